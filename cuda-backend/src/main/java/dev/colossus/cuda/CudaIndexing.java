package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.base;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.LAYOUT;

import dev.colossus.DType;
import dev.colossus.op.CumSum;
import dev.colossus.op.Gather;
import dev.colossus.op.Op;
import dev.colossus.op.Rotary;
import dev.colossus.op.Scatter;
import dev.colossus.spi.Operand;
import java.util.List;

/**
 * Gathers, scatters, running sums and rotary embeddings ({@code src/main/cuda/indexing/indexing.cu}),
 * a thread per element (per line for cumsum) in a grid-stride loop. First passed on an H200 on
 * 2026-12-04 ({@code gpu-runs.md}).
 *
 * <p>An indexed operand travels as a layout of the other side's shape with stride 0 along the axis:
 * the kernel adds {@code index * axis stride} to it, so merged dimensions cannot hide the axis.
 */
final class CudaIndexing {
    private static final String MODULE = "indexing";
    private static final int THREADS = 256;
    static final KernelSpec GATHER = KernelSpec.of(MODULE, "gather", THREADS, 0, I64, ADDRESS, LAYOUT, I64, I64, ADDRESS, LAYOUT,
            ADDRESS, LAYOUT);
    static final KernelSpec SCATTER = KernelSpec.of(MODULE, "scatter", THREADS, 0, I64, ADDRESS, LAYOUT, ADDRESS, LAYOUT, ADDRESS,
            LAYOUT, I64, I64, I32);
    static final KernelSpec CUMSUM = KernelSpec.of(MODULE, "cumsum", THREADS, 0, I64, I64, ADDRESS, LAYOUT, I64, ADDRESS, LAYOUT, I64);
    static final KernelSpec ROTARY_F32 = rotary("f32"), ROTARY_F64 = rotary("f64");
    static final List<KernelSpec> SPECS = List.of(GATHER, SCATTER, CUMSUM, ROTARY_F32, ROTARY_F64);

    private final Kernels kernels;
    private final CudaContext context;

    CudaIndexing(Kernels kernels, CudaContext context) {
        this.kernels = kernels;
        this.context = context;
    }

    private static KernelSpec rotary(String type) {
        return KernelSpec.of(MODULE, "rotary_" + type, THREADS, 0, I64, ADDRESS, LAYOUT, LAYOUT, ADDRESS, LAYOUT, ADDRESS, LAYOUT,
                ADDRESS, LAYOUT, LAYOUT);
    }

    /** Whether a kernel here computes {@code op}: a scatter that adds needs a dtype the GPU adds atomically (not BOOL). */
    static boolean accepts(Op op) {
        return !(op instanceof Scatter s && s.accumulate() && s.out().dtype() == DType.BOOL);
    }

    /** {@code out[i] = x[i with i_axis = index[i]]} */
    void gather(Gather g) {
        Operand x = g.x(), out = g.out();
        launch(GATHER, g, out.numel(), new Kernels.Arguments().i64(out.numel()).address(base(x))
                .layout(KernelLayout.of(alongOther(x, out, g.axis()))).i64(x.strides()[g.axis()]).i64(x.dim(g.axis()))
                .address(base(g.index())).layout(KernelLayout.of(g.index())).address(base(out)).layout(KernelLayout.of(out)));
    }

    /** {@code out[i with i_axis = index[i]] (+)= src[i]} */
    void scatter(Scatter s) {
        Operand src = s.src(), out = s.out();
        launch(SCATTER, s, src.numel(), new Kernels.Arguments().i64(src.numel()).address(base(src)).layout(KernelLayout.of(src))
                .address(base(s.index())).layout(KernelLayout.of(s.index())).address(base(out))
                .layout(KernelLayout.of(alongOther(out, src, s.axis()))).i64(out.strides()[s.axis()]).i64(out.dim(s.axis()))
                .i32(s.accumulate() ? 1 : 0));
    }

    /** Running sums along the axis, a thread per line. */
    void cumsum(CumSum c) {
        Operand x = c.x(), out = c.out();
        int axis = c.axis();
        long len = x.dim(axis), lines = len == 0 ? 0 : x.numel() / len;
        launch(CUMSUM, c, lines, new Kernels.Arguments().i64(lines).i64(len).address(base(x)).layout(KernelLayout.of(lineStarts(x, axis)))
                .i64(x.strides()[axis]).address(base(out)).layout(KernelLayout.of(lineStarts(out, axis))).i64(out.strides()[axis]));
    }

    /** Each pair turned, a thread per pair; the halves as views, as the CPU's buffered path takes them. */
    void rotary(Rotary r) {
        Operand x = r.x(), out = r.out();
        Operand a = r.firsts(x), b = r.seconds(x), outA = r.firsts(out), outB = r.seconds(out);
        long n = a.numel();
        launch(x.dtype() == DType.F64 ? ROTARY_F64 : ROTARY_F32, r, n, new Kernels.Arguments().i64(n).address(base(x))
                .layout(KernelLayout.of(a)).layout(KernelLayout.of(b)).address(base(r.cos())).layout(KernelLayout.of(r.cos()))
                .address(base(r.sin())).layout(KernelLayout.of(r.sin())).address(base(out)).layout(KernelLayout.of(outA))
                .layout(KernelLayout.of(outB)));
    }

    /** {@code x}'s storage seen with {@code other}'s shape and stride 0 along the axis: where the index adds in. */
    private static Operand alongOther(Operand x, Operand other, int axis) {
        long[] strides = x.strides().clone();
        strides[axis] = 0;
        return x.withLayout(other.shape(), strides, x.offset());
    }

    /** Each line's first element: x with the axis at size 1. */
    static Operand lineStarts(Operand x, int axis) {
        return x.withLayout(x.shape().with(axis, 1), x.strides(), x.offset());
    }

    private void launch(KernelSpec spec, Op op, long n, Kernels.Arguments arguments) {
        if (n > 0) {
            kernels.launch(spec, op.name(), Math.min((n + THREADS - 1) / THREADS, context.multiprocessors * 16L), arguments);
        }
    }
}
