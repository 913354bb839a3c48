package dev.colossus.cuda;

import dev.colossus.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * A tensor map for Hopper's Tensor Memory Accelerator ({@code CUtensorMap}: 128 opaque bytes, passed
 * to a kernel by value), encoded by the driver's {@code cuTensorMapEncodeTiled} through the FFM API.
 *
 * <p>Tensors of 16-bit elements with unit stride along the innermost dimension, read in boxes 64
 * elements wide that land in shared memory in the 128-byte swizzle (the layout wgmma's descriptors
 * name); whatever lies past the ends reads as zeros. The GEMM reads batches of row-major matrices
 * ({@link #rowMajor}), the attention kernel (B, H, L, D) tensors.
 */
final class TensorMap {
    static final int BYTES = 128;
    /** The box's extent along K: 64 16-bit elements, one 128-byte swizzle row. */
    static final int BOX_K = 64;

    private static final int DATA_TYPE_FLOAT16 = 6, DATA_TYPE_BFLOAT16 = 9;
    private static final int INTERLEAVE_NONE = 0, SWIZZLE_128B = 3, L2_PROMOTION_256B = 3, OOB_FILL_ZEROS = 0;
    private static final MethodHandle ENCODE_TILED = bind();

    private TensorMap() {
    }

    /**
     * The map of {@code batches} row-major {@code (rows, columns)} matrices of {@code dtype} (F16 or
     * BF16), row stride {@code ld} and batch stride {@code batchStride} in elements, read in boxes of
     * {@code boxRows} rows by 64 columns; or null when the driver refuses it (see {@link #tiled}). The
     * GEMM's a (M, K), its K-major b (N, K), and its N-major b (K, N) are each such a matrix.
     */
    static byte[] rowMajor(DType dtype, long address, long rows, long columns, long ld, long batches, long batchStride, int boxRows) {
        if (ld < columns || batchStride < 0) {
            return null;
        }
        // A batch of one still needs a legal stride: that of rows * ld, as if the batch were dense.
        return tiled(dtype, address, new long[] {columns, rows, batches}, new long[] {ld, batches > 1 ? batchStride : rows * ld},
                new int[] {BOX_K, boxRows, 1});
    }

    /**
     * The map of a tensor of {@code dtype} (F16 or BF16) with sizes {@code dims}, innermost first, unit
     * stride along {@code dims[0]} and {@code strides[d - 1]} elements along {@code dims[d]}, read in
     * boxes of {@code box} (box[0] = 64: one 128-byte swizzle row); or null when the driver refuses it
     * (the address or a stride off the 16-byte grid, a size past its limits, or a driver without
     * tensor maps), so the caller can take another kernel.
     */
    static byte[] tiled(DType dtype, long address, long[] dims, long[] strides, int[] box) {
        if (ENCODE_TILED == null || dtype.byteSize() != 2 || address % 16 != 0) {
            return null;
        }
        long[] strideBytes = new long[strides.length];
        for (int d = 0; d < strides.length; d++) {
            if (strides[d] % 8 != 0 || strides[d] <= 0) {
                return null;
            }
            strideBytes[d] = 2 * strides[d];
        }
        int[] ones = new int[dims.length];
        Arrays.fill(ones, 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment map = arena.allocate(BYTES, 64);
            int result = (int) ENCODE_TILED.invokeExact(map, dtype == DType.BF16 ? DATA_TYPE_BFLOAT16 : DATA_TYPE_FLOAT16, dims.length,
                    MemorySegment.ofAddress(address), arena.allocateFrom(ValueLayout.JAVA_LONG, dims),
                    arena.allocateFrom(ValueLayout.JAVA_LONG, strideBytes), arena.allocateFrom(ValueLayout.JAVA_INT, box),
                    arena.allocateFrom(ValueLayout.JAVA_INT, ones), INTERLEAVE_NONE, SWIZZLE_128B, L2_PROMOTION_256B, OOB_FILL_ZEROS);
            return result == 0 ? map.toArray(ValueLayout.JAVA_BYTE) : null;
        } catch (Throwable t) {
            throw new IllegalStateException("cuTensorMapEncodeTiled through the FFM API failed: " + t, t);
        }
    }

    /** The driver's encoder, or null for a driver older than CUDA 12.0, which has none. */
    private static MethodHandle bind() {
        ValueLayout.OfInt uint = ValueLayout.JAVA_INT;
        return SymbolLookup.libraryLookup(CudaDriver.LIBRARY, Arena.global()).find("cuTensorMapEncodeTiled")
                .map(symbol -> Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(uint, ValueLayout.ADDRESS,
                        uint, uint, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, uint, uint, uint, uint)))
                .orElse(null);
    }
}
