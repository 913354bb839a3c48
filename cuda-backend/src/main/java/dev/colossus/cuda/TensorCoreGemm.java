package dev.colossus.cuda;

import dev.colossus.DType;
import dev.colossus.op.MatMul;
import dev.colossus.spi.Operand;

/**
 * Colossus's own GEMM, {@code src/main/cuda/gemm/gemm.cu}: {@code out = act(alpha a b + beta c)} for
 * F16 and BF16, {@code (..., M, K) x (..., K, N) -> (..., M, N)}, on mma.sync Tensor Core instructions
 * (sm_80 and later), the whole epilogue fused into the store: one launch where cuBLAS needs its GEMM
 * and an elementwise kernel for the activation.
 *
 * <p>It reads {@code a} with unit stride along K, {@code b} with unit stride along N ("nn") or along
 * K ("nt", a transposed view such as {@code linear}'s weight), {@code c} through any strides, and
 * writes {@code out} with unit stride along N; each operand's batch dimensions must collapse to one
 * stride. Rows that start 16-byte aligned take the asynchronous-copy kernels, others the
 * element-by-element "_any" ones.
 *
 * <p>mma.sync blocks are 128 x 128 (4 warps, 64 KB of shared memory, two per multiprocessor). On
 * Hopper (sm_90) a K-major b goes to {@code gemm_sm90a.cu} instead: warpgroup MMA (wgmma) on 128 x 256
 * blocks, 193 KB of shared memory; {@code -Dcolossus.cuda.gemmKernel=mma} keeps it on mma.sync.
 */
final class TensorCoreGemm {
    /** The mma.sync kernels' block: 128 x 128 outputs, a warp per 64 x 64, 4 stages of K = 32 in shared memory. */
    private static final int TILE = 128, THREADS = 128, SHARED_BYTES = 4 * (2 * TILE) * 32 * 2;
    /** The wgmma kernels' block: 128 x 256 outputs, two warpgroups. */
    private static final int HOPPER_TILE_N = 256, HOPPER_THREADS = 256;
    private static final int MAX_GRID_Y = 65535;
    /** The wgmma kernel's 4 stages of 128 x 64 and 256 x 64, and 1 KB to align them to its swizzle atoms. */
    private static final int HOPPER_SHARED_BYTES = 4 * (128 + 256) * 64 * 2 + 1024;

    private TensorCoreGemm() {
    }

    /**
     * True when the kernels can compute {@code m}: dtype, strides and sizes. With {@code copying}, a
     * and b count as accepted whatever their layout, since contiguous copies of them would be.
     */
    static boolean accepts(MatMul m, boolean copying) {
        DType dtype = m.out().dtype();
        if (dtype != DType.F16 && dtype != DType.BF16 || m.a().dtype() != dtype || m.b().dtype() != dtype) {
            return false;
        }
        Operand a = m.a(), b = m.b(), out = m.out(), c = m.addend();
        int r = out.rank();
        long rows = out.dim(r - 2), cols = out.dim(r - 1), depth = a.dim(r - 1);
        long tiles = ((rows + TILE - 1) / TILE) * ((cols + TILE - 1) / TILE);
        boolean operands = copying || unitStride(a, r - 1) && (unitStride(b, r - 1) || unitStride(b, r - 2))
                && GemmPlan.batch(a) != null && GemmPlan.batch(b) != null;
        return operands && unitStride(out, r - 1) && GemmPlan.batch(out) != null
                && (c == null || GemmPlan.batch(c) != null)
                && rows <= Integer.MAX_VALUE && cols <= Integer.MAX_VALUE && depth <= Integer.MAX_VALUE
                && tiles <= Integer.MAX_VALUE;
    }

    /** Launches {@code m}, which {@link #accepts} without copying, on {@code context}'s stream. */
    static void run(MatMul m, Kernels kernels, CudaContext context) {
        Operand a = m.a(), b = m.b(), out = m.out(), c = m.addend();
        int r = out.rank();
        int rows = (int) out.dim(r - 2), cols = (int) out.dim(r - 1), depth = (int) a.dim(r - 1);
        boolean kMajorB = !unitStride(b, r - 1);
        long lda = leading(a, r - 2, depth), ldb = kMajorB ? leading(b, r - 1, depth) : leading(b, r - 2, cols);
        long ldo = leading(out, r - 2, cols);
        long[] batchA = GemmPlan.batch(a), batchB = GemmPlan.batch(b), batchOut = GemmPlan.batch(out);
        long[] batchC = c == null ? new long[] {1, 0} : GemmPlan.batch(c);
        long size = out.dtype().byteSize();
        long addressA = base(a) + a.offset() * size, addressB = base(b) + b.offset() * size;
        long addressOut = base(out) + out.offset() * size;
        boolean aligned = addressA % 16 == 0 && addressB % 16 == 0 && lda % 8 == 0 && ldb % 8 == 0
                && batchA[1] % 8 == 0 && batchB[1] % 8 == 0 && addressOut % 4 == 0 && ldo % 2 == 0 && batchOut[1] % 2 == 0;
        boolean hopper = kMajorB && context.computeMajor == 9 && context.computeMinor == 0
                && !"mma".equals(System.getProperty("colossus.cuda.gemmKernel"));
        int tileN = hopper ? HOPPER_TILE_N : TILE;
        String type = out.dtype() == DType.BF16 ? "bf16" : "f16";
        String kernel = "gemm_" + type + (kMajorB ? "_nt" : "_nn") + (hopper ? "_sm90a" : "") + (aligned ? "" : "_any");
        int batch = Math.toIntExact(batchOut[0]);
        Kernels.Arguments arguments = new Kernels.Arguments().i32(rows).i32(cols).i32(depth).i32(batch)
                .address(addressA).i64(lda).i64(batchA[1])
                .address(addressB).i64(ldb).i64(batchB[1])
                .address(c == null ? 0 : base(c) + c.offset() * size).i64(c == null ? 0 : c.strides()[r - 2])
                .i64(c == null ? 0 : c.strides()[r - 1]).i64(batchC[1]).f32((float) m.beta())
                .address(addressOut).i64(ldo).i64(batchOut[1])
                .f32((float) m.alpha()).i32(m.activation() == null ? -1 : m.activation().ordinal());
        int tiles = (int) (((long) rows + TILE - 1) / TILE * ((cols + tileN - 1) / tileN));
        kernels.launch(m.name(), hopper ? "gemm_sm90a" : "gemm", kernel, tiles, Math.min(batch, MAX_GRID_Y), 1,
                hopper ? HOPPER_THREADS : THREADS, hopper ? HOPPER_SHARED_BYTES : SHARED_BYTES, arguments);
    }

    /** True when dimension {@code d} of {@code x} has unit stride, or size 1 (any stride will do). */
    private static boolean unitStride(Operand x, int d) {
        return x.strides()[d] == 1 || x.dim(d) == 1;
    }

    /**
     * The stride between the rows along dimension {@code d} (elements); a size-1 dimension has none
     * that matters, so the row length is taken, which keeps the alignment test meaningful.
     */
    private static long leading(Operand x, int d, long rowLength) {
        return x.dim(d) == 1 ? Math.max(8, rowLength + 7 & ~7L) : x.strides()[d];
    }

    private static long base(Operand x) {
        return ((DeviceStorage) x.storage()).address(0);
    }
}
