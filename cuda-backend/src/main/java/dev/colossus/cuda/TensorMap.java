package dev.colossus.cuda;

import dev.colossus.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A tensor map for Hopper's Tensor Memory Accelerator ({@code CUtensorMap}: 128 opaque bytes, passed
 * to a kernel by value), encoded by the driver's {@code cuTensorMapEncodeTiled} through the FFM API.
 *
 * <p>The one shape Colossus needs: a batch of K-major matrices of 16-bit elements, {@code x[p][row][k]}
 * at {@code address + 2 (p batchStride + row ld + k)}, read in boxes of {@code boxRows x 64}
 * elements that land in shared memory in the 128-byte swizzle (the layout wgmma's descriptors name);
 * rows, K and batches past the ends read as zeros.
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
     * The map of {@code batches} K-major {@code (rows, k)} matrices of {@code dtype} (F16 or BF16), row
     * stride {@code ld} and batch stride {@code batchStride} in elements; or null when the driver
     * refuses it (the address, {@code ld} or {@code batchStride} off the 16-byte grid, a size past its
     * limits, or a driver without tensor maps), so the caller can take another kernel.
     */
    static byte[] kMajor(DType dtype, long address, long rows, long k, long ld, long batches, long batchStride, int boxRows) {
        if (ENCODE_TILED == null || dtype.byteSize() != 2 || address % 16 != 0 || ld % 8 != 0 || batchStride % 8 != 0
                || ld < k || batchStride < 0) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment map = arena.allocate(BYTES, 64);
            MemorySegment dims = arena.allocateFrom(ValueLayout.JAVA_LONG, k, rows, batches);
            // A batch of one still needs a legal stride: that of rows * ld, as if the batch were dense.
            MemorySegment strides = arena.allocateFrom(ValueLayout.JAVA_LONG, 2 * ld, 2 * (batches > 1 ? batchStride : rows * ld));
            MemorySegment box = arena.allocateFrom(ValueLayout.JAVA_INT, BOX_K, boxRows, 1);
            MemorySegment elementStrides = arena.allocateFrom(ValueLayout.JAVA_INT, 1, 1, 1);
            int result = (int) ENCODE_TILED.invokeExact(map, dtype == DType.BF16 ? DATA_TYPE_BFLOAT16 : DATA_TYPE_FLOAT16, 3,
                    MemorySegment.ofAddress(address), dims, strides, box, elementStrides, INTERLEAVE_NONE, SWIZZLE_128B,
                    L2_PROMOTION_256B, OOB_FILL_ZEROS);
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
