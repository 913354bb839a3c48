package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.address;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.F32;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.TENSOR_MAP;

import dev.colossus.DType;
import dev.colossus.op.MatMul;
import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

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
 * Hopper (sm_90) an aligned product goes to {@code gemm_sm90a.cu} instead: the Tensor Memory
 * Accelerator loads a and b through {@link TensorMap}s, warpgroup MMA (wgmma) computes 128 x 256
 * blocks, 193 KB of shared memory, b K-major ("nt") or N-major ("nn", read through a transposed
 * descriptor); {@code gemm_pingpong_sm90a.cu} for a product with an activation: a persistent block a
 * multiprocessor, whose two consumers take 128 x 128 tiles in turns, one in its epilogue while the
 * other multiplies. The N-major and ping-pong kernels first passed on an H200 on 2026-12-04; the
 * ping-pong kernel's speed is not yet measured.
 * Where the driver refuses a tensor map, mma.sync takes the product, and
 * {@code -Dcolossus.cuda.gemmKernel=mma} keeps every product there.
 */
final class TensorCoreGemm {
    /** The mma.sync kernels' block: 128 x 128 outputs, a warp per 64 x 64, 4 stages of K = 32 in shared memory. */
    private static final int TILE = 128, THREADS = 128, SHARED_BYTES = 4 * (2 * TILE) * 32 * 2;
    /** The wgmma kernels' block: 128 x 256 outputs, a producer warpgroup and two consumers. */
    private static final int HOPPER_TILE_N = 256, HOPPER_THREADS = 384;
    private static final int MAX_GRID_Y = 65535;
    /** The wgmma kernel's 4 stages of 128 x 64 and 256 x 64, their 8 barriers, and 1 KB to align them to its swizzle atoms. */
    private static final int HOPPER_SHARED_BYTES = 4 * (128 + 256) * 64 * 2 + 8 * 8 + 1024;
    /** The ping-pong kernels' 128 x 128 tiles, and their 6 stages of 128 x 64 and 128 x 64, 12 barriers and 1 KB of alignment. */
    private static final int PINGPONG_TILE_N = 128, PINGPONG_SHARED_BYTES = 6 * (128 + 128) * 64 * 2 + 12 * 8 + 1024;
    /** The parameters every GEMM kernel ends with: c, its row and column strides and batch stride, beta, out, its leading and batch strides, alpha, the activation. */
    private static final KernelSpec.Param[] EPILOGUE = {ADDRESS, I64, I64, I64, F32, ADDRESS, I64, I64, F32, I32};
    private static final String[] TYPES = {"bf16", "f16"};
    static final List<KernelSpec> SPECS = specs();

    private TensorCoreGemm() {
    }

    /** The mma.sync kernel {@code gemm_<type>_<nn|nt>[_any]}: rows, cols, depth, batch, then a and b (address, leading, batch stride). */
    private static KernelSpec mma(String type, boolean kMajorB, boolean aligned) {
        return KernelSpec.of("gemm", "gemm_" + type + (kMajorB ? "_nt" : "_nn") + (aligned ? "" : "_any"), THREADS, SHARED_BYTES,
                params(new KernelSpec.Param[] {I32, I32, I32, I32, ADDRESS, I64, I64, ADDRESS, I64, I64}));
    }

    /** The wgmma kernel: the tensor maps of a and b, whether each is batched, rows, cols, depth, the first batch. */
    private static KernelSpec hopper(String type, boolean kMajorB) {
        return KernelSpec.of("gemm_sm90a", "gemm_" + type + (kMajorB ? "_nt" : "_nn") + "_sm90a", HOPPER_THREADS, HOPPER_SHARED_BYTES,
                params(new KernelSpec.Param[] {TENSOR_MAP, TENSOR_MAP, I32, I32, I32, I32, I32, I32}));
    }

    /** The ping-pong kernel: as {@link #hopper}, then the count of batches its persistent blocks cover. */
    private static KernelSpec pingPong(String type, boolean kMajorB) {
        return KernelSpec.of("gemm_pingpong_sm90a", "gemm_" + type + (kMajorB ? "_nt" : "_nn") + "_pingpong_sm90a", HOPPER_THREADS,
                PINGPONG_SHARED_BYTES, params(new KernelSpec.Param[] {TENSOR_MAP, TENSOR_MAP, I32, I32, I32, I32, I32, I32, I32}));
    }

    private static KernelSpec.Param[] params(KernelSpec.Param[] head) {
        return Stream.concat(Stream.of(head), Stream.of(EPILOGUE)).toArray(KernelSpec.Param[]::new);
    }

    private static List<KernelSpec> specs() {
        List<KernelSpec> specs = new ArrayList<>();
        for (String type : TYPES) {
            for (boolean kMajorB : new boolean[] {false, true}) {
                specs.add(mma(type, kMajorB, true));
                specs.add(mma(type, kMajorB, false));
                specs.add(hopper(type, kMajorB));
                specs.add(pingPong(type, kMajorB));
            }
        }
        return List.copyOf(specs);
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

    /** Launches {@code m}, which {@link #accepts} when copying, a and b first copied to contiguous temporaries where the kernels cannot read them. */
    static void run(MatMul m, Kernels kernels, CudaContext context, CudaElementwise elementwise) {
        try (ContiguousCopies copies = new ContiguousCopies(context, elementwise)) {
            MatMul op = m;
            if (!accepts(op, false)) {
                op = new MatMul(copies.of(m.a()), m.b(), m.c(), m.alpha(), m.beta(), m.activation(), m.out());
            }
            if (!accepts(op, false)) {
                op = new MatMul(op.a(), copies.of(m.b()), m.c(), m.alpha(), m.beta(), m.activation(), m.out());
            }
            launch(op, kernels, context);
        }
    }

    /** Launches {@code m}, which {@link #accepts} without copying, on {@code context}'s stream. */
    private static void launch(MatMul m, Kernels kernels, CudaContext context) {
        Operand out = m.out(), c = m.addend();
        Layout l = Layout.of(m);
        int r = out.rank();
        int rows = (int) out.dim(r - 2), cols = (int) out.dim(r - 1), depth = (int) m.a().dim(r - 1);
        int batch = Math.toIntExact(l.batchOut[0]);
        String type = out.dtype() == DType.BF16 ? "bf16" : "f16";
        if (onTensorMaps(l, context)) {
            // With an activation, the ping-pong kernels: their consumers take turns, one in its
            // epilogue while the other multiplies.
            boolean pingPong = m.activation() != null;
            int tileN = pingPong ? PINGPONG_TILE_N : HOPPER_TILE_N;
            long batchesA = l.batchA[1] == 0 ? 1 : batch, batchesB = l.batchB[1] == 0 ? 1 : batch;
            byte[] mapA = TensorMap.rowMajor(out.dtype(), l.addressA, rows, depth, l.lda, batchesA, l.batchA[1], TILE);
            // b K-major: (N, K) in boxes of the tile's columns by 64 of K; N-major: (K, N) in boxes of 64
            // of K by 64 columns, tileN / 64 to a tile.
            byte[] mapB = l.kMajorB
                    ? TensorMap.rowMajor(out.dtype(), l.addressB, cols, depth, l.ldb, batchesB, l.batchB[1], tileN)
                    : TensorMap.rowMajor(out.dtype(), l.addressB, depth, cols, l.ldb, batchesB, l.batchB[1], TensorMap.BOX_K);
            if (mapA != null && mapB != null) {
                long tiles = ((long) rows + TILE - 1) / TILE * ((cols + tileN - 1) / tileN);
                // gemm_sm90a: a block computes one tile of batch p0 + blockIdx.y; ping-pong: a persistent
                // block for each multiprocessor, over the tiles of batches p0 .. p0 + count - 1.
                for (int p0 = 0; p0 < batch; p0 += MAX_GRID_Y) {
                    int count = Math.min(batch - p0, MAX_GRID_Y);
                    Kernels.Arguments arguments = new Kernels.Arguments().tensorMap(mapA).tensorMap(mapB)
                            .i32(l.batchA[1] == 0 ? 0 : 1).i32(l.batchB[1] == 0 ? 0 : 1).i32(rows).i32(cols).i32(depth).i32(p0);
                    if (pingPong) {
                        epilogue(arguments.i32(count), m, l);
                        kernels.launch(pingPong(type, l.kMajorB), m.name(), (int) Math.min(context.multiprocessors, tiles * count),
                                1, 1, HOPPER_THREADS, arguments);
                    } else {
                        epilogue(arguments, m, l);
                        kernels.launch(hopper(type, l.kMajorB), m.name(), (int) tiles, count, 1,
                                HOPPER_THREADS, arguments);
                    }
                }
                return;
            }
        }
        Kernels.Arguments arguments = new Kernels.Arguments().i32(rows).i32(cols).i32(depth).i32(batch)
                .address(l.addressA).i64(l.lda).i64(l.batchA[1])
                .address(l.addressB).i64(l.ldb).i64(l.batchB[1]);
        epilogue(arguments, m, l);
        int tiles = (int) (((long) rows + TILE - 1) / TILE * ((cols + TILE - 1) / TILE));
        kernels.launch(mma(type, l.kMajorB, l.aligned()), m.name(), tiles, Math.min(batch, MAX_GRID_Y), 1, THREADS, arguments);
    }

    /** The parameters both kernel families end with: the addend c, beta, out, alpha and the activation. */
    private static void epilogue(Kernels.Arguments arguments, MatMul m, Layout l) {
        Operand c = m.addend();
        int r = m.out().rank();
        long[] batchC = c == null ? new long[] {1, 0} : GemmPlan.batch(c);
        arguments.address(c == null ? 0 : address(c)).i64(c == null ? 0 : c.strides()[r - 2])
                .i64(c == null ? 0 : c.strides()[r - 1]).i64(batchC[1]).f32((float) m.beta())
                .address(l.addressOut).i64(l.ldo).i64(l.batchOut[1])
                .f32((float) m.alpha()).i32(m.activation() == null ? -1 : m.activation().ordinal());
    }

    /**
     * True when a product laid out as {@code l} runs on the Hopper kernels: an sm_90 GPU, a, b and out
     * aligned for them (tensor maps need 16-byte rows), and {@code -Dcolossus.cuda.gemmKernel=mma} not
     * set.
     */
    private static boolean onTensorMaps(Layout l, CudaContext context) {
        return l.aligned() && context.computeMajor == 9 && context.computeMinor == 0
                && !CudaOptions.routing().mmaGemmOnly();
    }

    /**
     * Where a product's operands lie, as the kernels take them: whether b is K-major, the leading
     * dimensions and {@link GemmPlan#batch} (count, stride) of a, b and out (elements), and their
     * first elements' device addresses.
     */
    private record Layout(boolean kMajorB, long lda, long ldb, long ldo, long[] batchA, long[] batchB, long[] batchOut,
                          long addressA, long addressB, long addressOut) {
        static Layout of(MatMul m) {
            Operand a = m.a(), b = m.b(), out = m.out();
            int r = out.rank();
            long depth = a.dim(r - 1), cols = out.dim(r - 1);
            boolean kMajorB = !unitStride(b, r - 1);
            return new Layout(kMajorB, leading(a, r - 2, depth), kMajorB ? leading(b, r - 1, depth) : leading(b, r - 2, cols),
                    leading(out, r - 2, cols), GemmPlan.batch(a), GemmPlan.batch(b), GemmPlan.batch(out), address(a), address(b),
                    address(out));
        }

        /** Whether a and b have 16-byte aligned rows and batches, and out 4-byte aligned pairs: the kernels' vector paths. */
        boolean aligned() {
            return addressA % 16 == 0 && addressB % 16 == 0 && lda % 8 == 0 && ldb % 8 == 0 && batchA[1] % 8 == 0
                    && batchB[1] % 8 == 0 && addressOut % 4 == 0 && ldo % 2 == 0 && batchOut[1] % 2 == 0;
        }
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
}
