package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.op.Arange;
import dev.colossus.op.Attention;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.Copy;
import dev.colossus.op.CumSum;
import dev.colossus.op.Fill;
import dev.colossus.op.Gather;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.MatMul;
import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Rotary;
import dev.colossus.op.Scatter;
import dev.colossus.op.Softmax;
import dev.colossus.op.TopK;
import dev.colossus.op.Unary;
import dev.colossus.op.UnaryFn;
import dev.colossus.op.Where;
import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What each op family launches, without a GPU: the families run over operands at made-up device
 * addresses on a context that holds no GPU (an sm_80 part, so the paths without tensor maps), and
 * every launch they would make is {@linkplain Kernels#check checked} against its {@link KernelSpec}
 * (the arguments' kinds in the parameters' order, the block, the grid) and recorded instead of made.
 * With {@code KernelSpecTest}, which holds the specs against the PTX, a family that packs its
 * arguments in another order than its kernel declares them fails here rather than on the next GPU run.
 */
class KernelLaunchTest {
    private final CudaContext context = new CudaContext("no GPU", 8, 0, 108);
    private final List<String> launched = new ArrayList<>();
    private final Kernels kernels = new Kernels(context) {
        @Override
        void launch(KernelSpec spec, String op, int gridX, int gridY, int gridZ, int threads, Arguments arguments) {
            check(spec, op, gridX, gridY, gridZ, threads, arguments);
            launched.add(spec.toString());
        }
    };
    private long nextAddress = 1L << 32;

    /** A dense operand of {@code dtype} and {@code shape} at a fresh, 256-byte aligned address. */
    private Operand dense(DType dtype, long... shape) {
        Shape s = Shape.of(shape);
        long bytes = Math.max(1, s.numel()) * dtype.byteSize();
        Operand x = Operand.contiguous(DeviceStorage.unowned(context, nextAddress, bytes), dtype, s);
        nextAddress += bytes + 255 & ~255L;
        return x;
    }

    @Test
    void indexingLaunchesFollowTheirSpecs() {
        CudaIndexing indexing = new CudaIndexing(kernels, context);
        Operand table = dense(DType.BF16, 50, 64), ids = dense(DType.I32, 7);
        Operand spread = ids.withLayout(Shape.of(7, 64), new long[] {1, 0}, 0);
        indexing.gather(new Gather(table, 0, spread, dense(DType.BF16, 7, 64)));
        Operand x = dense(DType.F32, 5, 9), index = dense(DType.I64, 5, 4);
        indexing.gather(new Gather(x.transpose(0, 1).transpose(0, 1), 1, index, dense(DType.F32, 5, 4)));
        indexing.scatter(new Scatter(dense(DType.F32, 5, 4), 1, index, true, x));
        indexing.scatter(new Scatter(dense(DType.I64, 5, 4), 1, index, false, dense(DType.I64, 5, 9).transpose(0, 1).transpose(0, 1)));
        indexing.cumsum(new CumSum(x, 0, dense(DType.F32, 5, 9)));
        indexing.cumsum(new CumSum(dense(DType.I32, 3, 4, 5), 2, dense(DType.I64, 3, 4, 5)));
        Operand q = dense(DType.BF16, 2, 4, 7, 64), angles = dense(DType.BF16, 7, 32).withLayout(Shape.of(2, 4, 7, 32),
                new long[] {0, 0, 32, 1}, 0);
        indexing.rotary(new Rotary(q, angles, angles, false, dense(DType.BF16, 2, 4, 7, 64)));
        indexing.rotary(new Rotary(dense(DType.F64, 3, 8), dense(DType.F64, 3, 4), dense(DType.F64, 3, 4), true, dense(DType.F64, 3, 8)));
        assertLaunched("indexing/gather", "indexing/gather", "indexing/scatter", "indexing/scatter", "indexing/cumsum", "indexing/cumsum",
                "indexing/rotary_f32", "indexing/rotary_f64");
    }

    @Test
    void topkLaunchesFollowItsSpec() {
        CudaOrdering ordering = new CudaOrdering(kernels, context);
        ordering.topk(new TopK(dense(DType.BF16, 4, 33), 1, 5, true, dense(DType.I64, 4, 5)));
        ordering.topk(new TopK(dense(DType.F32, 9000, 3).transpose(0, 1), 0, 7, false, dense(DType.I64, 3, 7).transpose(0, 1)
                .transpose(0, 1)));
        assertLaunched("topk/topk");
        assertTrue(CudaOrdering.accepts(new TopK(dense(DType.F32, 2, 5000), 1, 256, true, dense(DType.I64, 2, 256))));
        assertTrue(!CudaOrdering.accepts(new TopK(dense(DType.F32, 2, 5000), 1, 257, true, dense(DType.I64, 2, 257))));
        assertTrue(!CudaOrdering.accepts(new TopK(dense(DType.F64, 2, 5), 1, 2, true, dense(DType.I64, 2, 2))));
    }

    @Test
    void elementwiseLaunchesFollowTheirSpecs() {
        CudaElementwise elementwise = new CudaElementwise(kernels, context);
        Operand x = dense(DType.F32, 6, 8), out = dense(DType.F32, 8, 6), longs = dense(DType.I64, 6, 8);
        elementwise.copy(new Copy(x, out.transpose(0, 1)));
        elementwise.copy(new Copy(x, dense(DType.BF16, 6, 8)));
        elementwise.fill(new Fill(out, 1));
        elementwise.arange(new Arange(dense(DType.F64, 10), 0, 1));
        elementwise.unary(new Unary(UnaryFn.EXP, x.transpose(0, 1), out));
        elementwise.unary(new Unary(UnaryFn.EXP, x, dense(DType.F32, 6, 8)));
        elementwise.unary(new Unary(UnaryFn.NEG, longs, dense(DType.I64, 6, 8)));
        elementwise.unary(new Unary(UnaryFn.ABS, dense(DType.F64, 6, 8), dense(DType.F64, 6, 8)));
        elementwise.binary(new Binary(BinaryFn.ADD, x, x, dense(DType.F32, 6, 8)));
        elementwise.binary(new Binary(BinaryFn.MUL, x.transpose(0, 1), out, dense(DType.F32, 8, 6)));
        elementwise.binary(new Binary(BinaryFn.SUB, dense(DType.F64, 4), dense(DType.F64, 4), dense(DType.F64, 4)));
        elementwise.binary(new Binary(BinaryFn.ADD, longs, longs, dense(DType.I64, 6, 8)));
        elementwise.where(new Where(dense(DType.BOOL, 6, 8), x, x, dense(DType.F32, 6, 8)));
        assertLaunched("elementwise/copy", "elementwise/fill", "elementwise/arange", "elementwise/unary_f32",
                "packed/unary_packed_f32", "elementwise/unary_i64", "elementwise/unary_f64", "packed/binary_packed_f32",
                "elementwise/binary_f32", "elementwise/binary_f64", "elementwise/binary_i64", "elementwise/where");
    }

    @Test
    void packedEpilogueFollowsItsSpec() {
        Operand a = dense(DType.BF16, 16, 32), b = dense(DType.BF16, 32, 64), out = dense(DType.BF16, 16, 64);
        MatMul m = new MatMul(a, b, dense(DType.BF16, 64).broadcastTo(Shape.of(16, 64)), 1, 1, UnaryFn.GELU, out);
        PackedElementwise.epilogue(m, dense(DType.F32, 16, 64), kernels, context);
        assertLaunched("packed/epilogue_packed_bf16");
    }

    @Test
    void reductionsSoftmaxAndNormsFollowTheirSpecs() {
        CudaReduce reduce = new CudaReduce(kernels, context);
        reduce.reduce(new Reduce(ReduceFn.SUM, dense(DType.F32, 4, 5000), new int[] {1}, 0, dense(DType.F32, 4, 1)));
        reduce.reduce(new Reduce(ReduceFn.MAX, dense(DType.I64, 9000, 3), new int[] {1}, 0, dense(DType.I64, 9000, 1)));
        reduce.reduce(new Reduce(ReduceFn.VAR, dense(DType.F64, 9000, 3), new int[] {1}, 1, dense(DType.F64, 9000, 1)));
        reduce.reduce(new Reduce(ReduceFn.MIN, dense(DType.I32, 2, 300), new int[] {1}, 0, dense(DType.I32, 2, 1)));
        CudaSoftmax softmax = new CudaSoftmax(kernels, context);
        softmax.softmax(new Softmax(dense(DType.F32, 3, 7), 0, false, dense(DType.F32, 3, 7)));
        softmax.softmax(new Softmax(dense(DType.F64, 3, 700), 1, true, dense(DType.F64, 3, 700)));
        CudaNorms norms = new CudaNorms(kernels, context);
        norms.layerNorm(new LayerNorm(dense(DType.BF16, 4, 384), dense(DType.BF16, 384), dense(DType.BF16, 384), 1, 1e-12,
                dense(DType.BF16, 4, 384)));
        norms.layerNorm(new LayerNorm(dense(DType.F64, 4, 3, 5), null, null, 2, 1e-5, dense(DType.F64, 4, 3, 5)));
        norms.rmsNorm(new RmsNorm(dense(DType.F32, 2, 4096), dense(DType.F32, 4096), 1, 1e-6, dense(DType.F32, 2, 4096)));
        norms.rmsNorm(new RmsNorm(dense(DType.F64, 2, 16), null, 1, 1e-6, dense(DType.F64, 2, 16)));
        assertLaunched("reduce/reduce_blocks_f64", "reduce/reduce_threads_i64", "reduce/reduce_threads_f64",
                "reduce/reduce_blocks_i64", "softmax/softmax_f32", "softmax/softmax_f64", "norm/layer_norm_f32",
                "norm/layer_norm_f64", "norm/rms_norm_f32", "norm/rms_norm_f64");
    }

    @Test
    void tensorCoreGemmLaunchesFollowTheirSpecs() {
        CudaElementwise elementwise = new CudaElementwise(kernels, context);
        Operand a = dense(DType.BF16, 2, 64, 96), b = dense(DType.BF16, 2, 96, 128), out = dense(DType.BF16, 2, 64, 128);
        TensorCoreGemm.run(new MatMul(a, b, null, 1, 0, null, out), kernels, context, elementwise);
        Operand w = dense(DType.F16, 128, 96);
        TensorCoreGemm.run(new MatMul(dense(DType.F16, 64, 96), w.transpose(0, 1), dense(DType.F16, 128).broadcastTo(Shape.of(64, 128)),
                1, 1, UnaryFn.GELU, dense(DType.F16, 64, 128)), kernels, context, elementwise);
        Operand unaligned = dense(DType.BF16, 64, 97).withLayout(Shape.of(64, 95), new long[] {97, 1}, 1);
        TensorCoreGemm.run(new MatMul(unaligned, dense(DType.BF16, 95, 40), null, 1, 0, null, dense(DType.BF16, 64, 40)), kernels,
                context, elementwise);
        assertLaunched("gemm/gemm_bf16_nn", "gemm/gemm_f16_nt", "gemm/gemm_bf16_nn_any");
    }

    @Test
    void fusedAttentionLaunchesFollowTheirSpecs() {
        for (long d : new long[] {64, 128}) {
            Operand q = dense(DType.BF16, 1, 4, 70, d), k = dense(DType.BF16, 1, 2, 300, d), v = dense(DType.BF16, 1, 2, 300, d);
            Operand mask = dense(DType.BOOL, 70, 300).withLayout(Shape.of(1, 4, 70, 300), new long[] {0, 0, 300, 1}, 0);
            FusedAttention.run(new Attention(q, k, v, mask, true, 0.125, dense(DType.BF16, 1, 4, 70, d), null), kernels, context);
        }
        Operand q = dense(DType.F16, 2, 8, 16, 64), kv = dense(DType.F16, 2, 8, 200, 64);
        FusedAttention.run(new Attention(q, kv, kv, null, false, 0.125, dense(DType.F16, 2, 8, 16, 64), null), kernels, context);
        assertLaunched("attention/attention_bf16_d64", "attention/attention_bf16_d128", "attention/attention_f16_d64");
    }

    /** The kernels, each "module/entry", launched from the build {@link GpuRuns#module} picks for its module. */
    private void assertLaunched(String... kernels) {
        Set<String> expected = new TreeSet<>();
        for (String kernel : kernels) {
            int slash = kernel.indexOf('/');
            expected.add(GpuRuns.module(kernel.substring(0, slash)) + kernel.substring(slash));
        }
        assertEquals(expected, new TreeSet<>(launched), "the kernels launched");
        assertTrue(!launched.isEmpty());
    }
}
