package dev.colossus.op;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.spi.Operand;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Rewrites of ops a backend does not support into ops it may: the composites into primitives, and
 * F16/BF16 arithmetic into F32 arithmetic between casts. Each rewrite computes what its op's Javadoc
 * defines, with the same formula as the reference.
 */
public final class Decompositions {
    private Decompositions() {
    }

    /**
     * F16/BF16 operands cast to F32 temporaries, the op run in F32, the result cast back; false (and
     * nothing run) when the op has no 16-bit operand or only moves values (a cast, a concatenation).
     *
     * @param op the op
     * @param exec runs the F32 op and the casts, and makes the temporaries
     * @return whether it ran
     */
    public static boolean widen(Op op, OpExecutor exec) {
        if (op instanceof Copy || op instanceof Concat || op.inputs().stream().noneMatch(o -> o.dtype().isHalf()) && !op.out().dtype().isHalf()) {
            return false;
        }
        Map<Operand, Operand> wide = new IdentityHashMap<>();
        for (Operand in : op.inputs()) {
            if (in.dtype().isHalf() && !wide.containsKey(in)) {
                Operand f32 = exec.temporary(DType.F32, in.shape());
                exec.execute(new Copy(in, f32));
                wide.put(in, f32);
            }
        }
        Operand out = op.out();
        Operand wideOut = out.dtype().isHalf() ? exec.temporary(DType.F32, out.shape()) : out;
        if (wideOut != out && op instanceof Scatter) {
            exec.execute(new Copy(out, wideOut)); // a scatter writes into what is there
        }
        exec.execute(op.map(o -> o == out ? wideOut : wide.getOrDefault(o, o)));
        if (wideOut != out) {
            exec.execute(new Copy(wideOut, out));
        }
        return true;
    }

    /**
     * The composite {@code op} run as primitives; false (and nothing run) for a primitive.
     *
     * @param op the op
     * @param exec runs the primitives and makes the temporaries
     * @return whether it ran
     */
    public static boolean decompose(Op op, OpExecutor exec) {
        switch (op) {
            case Softmax s -> softmax(s, exec);
            case LayerNorm n -> layerNorm(n, exec);
            case RmsNorm n -> rmsNorm(n, exec);
            case AddRmsNorm n -> addRmsNorm(n, exec);
            case Attention a -> attention(a, exec);
            case Rotary r -> rotary(r, exec);
            case ScaledMatMul s -> scaledMatmul(s, exec);
            case MatMul m when m.hasEpilogue() -> matmulEpilogue(m, exec);
            case Concat c -> c.copies().forEach(exec::execute);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** {@code exp(x - max) / sum exp(x - max)}; logSoftmax: {@code (x - max) - log(sum exp(x - max))}. */
    private static void softmax(Softmax op, OpExecutor exec) {
        Operand x = op.x();
        Shape shape = x.shape();
        Shape kept = shape.with(op.axis(), 1);
        int[] axes = {op.axis()};
        Operand max = exec.temporary(x.dtype(), kept);
        exec.execute(new Reduce(ReduceFn.MAX, x, axes, 0, max));
        Operand shifted = exec.temporary(x.dtype(), shape);
        exec.execute(new Binary(BinaryFn.SUB, x, max.broadcastTo(shape), shifted));
        Operand exp = exec.temporary(x.dtype(), shape);
        exec.execute(new Unary(UnaryFn.EXP, shifted, exp));
        Operand sum = exec.temporary(x.dtype(), kept);
        exec.execute(new Reduce(ReduceFn.SUM, exp, axes, 0, sum));
        if (op.log()) {
            Operand logSum = exec.temporary(x.dtype(), kept);
            exec.execute(new Unary(UnaryFn.LOG, sum, logSum));
            exec.execute(new Binary(BinaryFn.SUB, shifted, logSum.broadcastTo(shape), op.out()));
        } else {
            exec.execute(new Binary(BinaryFn.DIV, exp, sum.broadcastTo(shape), op.out()));
        }
    }

    /** {@code act(alpha * (a b) + beta * c)} as the plain product, then a multiply, an add and the activation. */
    private static void matmulEpilogue(MatMul op, OpExecutor exec) {
        Operand out = op.out();
        Operand c = op.addend();
        UnaryFn act = op.activation();
        Operand affine = act == null ? out : exec.temporary(out.dtype(), out.shape());
        Operand product = op.alpha() == 1 && c == null ? affine : exec.temporary(out.dtype(), out.shape());
        exec.execute(new MatMul(op.a(), op.b(), product));
        Operand scaled = product;
        if (op.alpha() != 1) {
            scaled = c == null ? affine : exec.temporary(out.dtype(), out.shape());
            exec.execute(new Binary(BinaryFn.MUL, product, scalar(out.dtype(), op.alpha(), exec).broadcastTo(out.shape()), scaled));
        }
        if (c != null) {
            Operand addend = c;
            if (op.beta() != 1) {
                addend = exec.temporary(out.dtype(), out.shape());
                exec.execute(new Binary(BinaryFn.MUL, c, scalar(out.dtype(), op.beta(), exec).broadcastTo(out.shape()), addend));
            }
            exec.execute(new Binary(BinaryFn.ADD, scaled, addend, affine));
        }
        if (act != null) {
            exec.execute(new Unary(act, affine, out));
        }
    }

    /**
     * a and b widened to F32 (exactly: every 8-bit float is an F32), their F32 product, multiplied by
     * {@code scaleA * scaleB} in one pass, and rounded to out's dtype.
     */
    private static void scaledMatmul(ScaledMatMul op, OpExecutor exec) {
        Operand out = op.out();
        Operand a = exec.temporary(DType.F32, op.a().shape()), b = exec.temporary(DType.F32, op.b().shape());
        exec.execute(new Copy(op.a(), a));
        exec.execute(new Copy(op.b(), b));
        Operand product = exec.temporary(DType.F32, out.shape());
        exec.execute(new MatMul(a, b, product));
        Operand scale = exec.temporary(DType.F32, Shape.of());
        exec.execute(new Binary(BinaryFn.MUL, op.scaleA(), op.scaleB(), scale));
        Operand scaled = out.dtype() == DType.F32 ? out : exec.temporary(DType.F32, out.shape());
        exec.execute(new Binary(BinaryFn.MUL, product, scale.broadcastTo(out.shape()), scaled));
        if (scaled != out) {
            exec.execute(new Copy(scaled, out));
        }
    }

    /**
     * The pairs' halves as strided views, {@code a = x[.., first]} and {@code b = x[.., second]}; then
     * {@code a cos - b sin} and {@code b cos + a sin} as four products and two sums into temporaries,
     * each copied into its half of out.
     */
    private static void rotary(Rotary op, OpExecutor exec) {
        Operand x = op.x();
        Operand a = op.firsts(x), b = op.seconds(x), outA = op.firsts(op.out()), outB = op.seconds(op.out());
        Shape half = a.shape();
        Operand cos = op.cos().broadcastTo(half), sin = op.sin().broadcastTo(half);
        Operand[] products = new Operand[4];
        Operand[][] factors = {{a, cos}, {b, sin}, {b, cos}, {a, sin}};
        for (int i = 0; i < 4; i++) {
            products[i] = exec.temporary(x.dtype(), half);
            exec.execute(new Binary(BinaryFn.MUL, factors[i][0], factors[i][1], products[i]));
        }
        Operand sum = exec.temporary(x.dtype(), half);
        exec.execute(new Binary(BinaryFn.SUB, products[0], products[1], sum));
        exec.execute(new Copy(sum, outA));
        exec.execute(new Binary(BinaryFn.ADD, products[2], products[3], sum));
        exec.execute(new Copy(sum, outB));
    }

    /** {@code (x - mean) * rsqrt(var + eps) * weight + bias} over the trailing axes. */
    private static void layerNorm(LayerNorm op, OpExecutor exec) {
        Operand x = op.x();
        Shape shape = x.shape();
        int[] axes = trailingAxes(x.rank(), op.normalizedAxes());
        Shape kept = keepdim(shape, axes);
        Operand mean = exec.temporary(x.dtype(), kept);
        exec.execute(new Reduce(ReduceFn.MEAN, x, axes, 0, mean));
        Operand variance = exec.temporary(x.dtype(), kept);
        exec.execute(new Reduce(ReduceFn.VAR, x, axes, 0, variance));
        Operand rstd = reciprocalSqrt(variance, op.eps(), exec);
        Operand centered = exec.temporary(x.dtype(), shape);
        exec.execute(new Binary(BinaryFn.SUB, x, mean.broadcastTo(shape), centered));
        Operand normed = op.weight() == null && op.bias() == null ? op.out() : exec.temporary(x.dtype(), shape);
        exec.execute(new Binary(BinaryFn.MUL, centered, rstd.broadcastTo(shape), normed));
        if (op.weight() != null) {
            Operand scaled = op.bias() == null ? op.out() : exec.temporary(x.dtype(), shape);
            exec.execute(new Binary(BinaryFn.MUL, normed, op.weight().broadcastTo(shape), scaled));
            normed = scaled;
        }
        if (op.bias() != null) {
            exec.execute(new Binary(BinaryFn.ADD, normed, op.bias().broadcastTo(shape), op.out()));
        }
    }

    /** {@code x * rsqrt(mean(x^2) + eps) * weight} over the trailing axes. */
    private static void rmsNorm(RmsNorm op, OpExecutor exec) {
        Operand x = op.x();
        Shape shape = x.shape();
        int[] axes = trailingAxes(x.rank(), op.normalizedAxes());
        Operand squares = exec.temporary(x.dtype(), shape);
        exec.execute(new Binary(BinaryFn.MUL, x, x, squares));
        Operand meanSquare = exec.temporary(x.dtype(), keepdim(shape, axes));
        exec.execute(new Reduce(ReduceFn.MEAN, squares, axes, 0, meanSquare));
        Operand rms = reciprocalSqrt(meanSquare, op.eps(), exec);
        Operand normed = op.weight() == null ? op.out() : exec.temporary(x.dtype(), shape);
        exec.execute(new Binary(BinaryFn.MUL, x, rms.broadcastTo(shape), normed));
        if (op.weight() != null) {
            exec.execute(new Binary(BinaryFn.MUL, normed, op.weight().broadcastTo(shape), op.out()));
        }
    }

    /** {@code out[0] = x + residual}, then {@code out[1]} = the RMS norm of out[0]. */
    private static void addRmsNorm(AddRmsNorm op, OpExecutor exec) {
        exec.execute(new Binary(BinaryFn.ADD, op.x(), op.residual(), op.sum()));
        exec.execute(new RmsNorm(op.sum(), op.weight(), op.normalizedAxes(), op.eps(), op.normalized()));
    }

    /** {@code 1 / sqrt(v + eps)}, elementwise, as a new temporary. */
    private static Operand reciprocalSqrt(Operand v, double eps, OpExecutor exec) {
        Operand shifted = exec.temporary(v.dtype(), v.shape());
        exec.execute(new Binary(BinaryFn.ADD, v, scalar(v.dtype(), eps, exec).broadcastTo(v.shape()), shifted));
        Operand out = exec.temporary(v.dtype(), v.shape());
        exec.execute(new Unary(UnaryFn.RSQRT, shifted, out));
        return out;
    }

    /**
     * Attention as matmul, mask, softmax, matmul. Grouped heads are handled by broadcasting: q is seen
     * as (B, Hkv, G, Lq, D) and k, v gain a size-G axis of stride 0, so nothing is copied. With no keys
     * at all every row sees none: NaN, and a log-sum-exp of -Inf (where the products would give 0).
     */
    private static void attention(Attention op, OpExecutor exec) {
        Operand q = op.q();
        DType dtype = q.dtype();
        long batch = q.dim(0), kvHeads = op.k().dim(1), group = op.groupSize();
        long lq = q.dim(2), lk = op.k().dim(2), dv = op.v().dim(3);
        if (lk == 0) {
            exec.execute(new Fill(op.out(), Double.NaN));
            if (op.logSumExp() != null) {
                exec.execute(new Fill(op.logSumExp(), Double.NEGATIVE_INFINITY));
            }
            return;
        }
        Shape scoreShape = Shape.of(batch, kvHeads, group, lq, lk);
        Operand q5 = q.reshapeView(Shape.of(batch, kvHeads, group, lq, q.dim(3)));
        Operand kT5 = op.k().unsqueeze(2).transpose(3, 4).broadcastTo(Shape.of(batch, kvHeads, group, q.dim(3), lk));
        Operand v5 = op.v().unsqueeze(2).broadcastTo(Shape.of(batch, kvHeads, group, lk, dv));

        Operand dots = exec.temporary(dtype, scoreShape);
        exec.execute(new MatMul(q5, kT5, dots));
        Operand scores = exec.temporary(dtype, scoreShape);
        exec.execute(new Binary(BinaryFn.MUL, dots, scalar(dtype, op.scale(), exec).broadcastTo(scoreShape), scores));
        if (op.mask() != null) {
            Operand mask5 = op.mask().reshapeView(scoreShape);
            scores = masked(scores, mask5, exec);
        }
        if (op.causal()) {
            scores = masked(scores, causalMask(lq, lk, exec).broadcastTo(scoreShape), exec);
        }
        Operand probabilities = exec.temporary(dtype, scoreShape);
        exec.execute(new Softmax(scores, 4, false, probabilities));
        // Ops lays out (B, Lq, Hq, Dv); a GEMM library takes batches evenly strided, so the products go
        // to a contiguous temporary first where out is not
        Operand products = op.out().isContiguous() ? op.out() : exec.temporary(dtype, op.out().shape());
        exec.execute(new MatMul(probabilities, v5, products.reshapeView(Shape.of(batch, kvHeads, group, lq, dv))));
        if (products != op.out()) {
            exec.execute(new Copy(products, op.out()));
        }
        if (op.logSumExp() != null) {
            logSumExp(scores, op.logSumExp().reshapeView(Shape.of(batch, kvHeads, group, lq)), exec);
        }
    }

    /**
     * {@code out = m + log(sum exp(s - m))} over the last axis of {@code scores}, in out's dtype, with
     * {@code m} the row's max raised to the dtype's lowest finite value, so that a row of -Inf gives
     * {@code m + log(0) = -Inf}.
     */
    private static void logSumExp(Operand scores, Operand out, OpExecutor exec) {
        DType dtype = out.dtype();
        Shape shape = scores.shape();
        Operand s = scores;
        if (scores.dtype() != dtype) {
            s = exec.temporary(dtype, shape);
            exec.execute(new Copy(scores, s));
        }
        int last = shape.rank() - 1;
        Shape kept = shape.with(last, 1);
        Operand max = exec.temporary(dtype, kept);
        exec.execute(new Reduce(ReduceFn.MAX, s, new int[] {last}, 0, max));
        Operand shift = exec.temporary(dtype, kept);
        double lowest = dtype == DType.F64 ? -Double.MAX_VALUE : -Float.MAX_VALUE;
        exec.execute(new Binary(BinaryFn.MAXIMUM, max, scalar(dtype, lowest, exec).broadcastTo(kept), shift));
        Operand shifted = exec.temporary(dtype, shape);
        exec.execute(new Binary(BinaryFn.SUB, s, shift.broadcastTo(shape), shifted));
        Operand exp = exec.temporary(dtype, shape);
        exec.execute(new Unary(UnaryFn.EXP, shifted, exp));
        Operand sum = exec.temporary(dtype, kept);
        exec.execute(new Reduce(ReduceFn.SUM, exp, new int[] {last}, 0, sum));
        Operand logSum = exec.temporary(dtype, kept);
        exec.execute(new Unary(UnaryFn.LOG, sum, logSum));
        exec.execute(new Binary(BinaryFn.ADD, shift, logSum, out.unsqueeze(out.rank())));
    }

    /** Scores with a boolean mask applied as -Inf where false, or an additive mask added. */
    private static Operand masked(Operand scores, Operand mask, OpExecutor exec) {
        Operand out = exec.temporary(scores.dtype(), scores.shape());
        if (mask.dtype() == DType.BOOL) {
            Operand negInf = scalar(scores.dtype(), Double.NEGATIVE_INFINITY, exec).broadcastTo(scores.shape());
            exec.execute(new Where(mask, scores, negInf, out));
        } else {
            exec.execute(new Binary(BinaryFn.ADD, scores, mask, out));
        }
        return out;
    }

    /** {@code mask[i, j] = j <= i + (lk - lq)}: the bottom-right-aligned causal mask, (Lq, Lk) BOOL. */
    private static Operand causalMask(long lq, long lk, OpExecutor exec) {
        Operand rows = exec.temporary(DType.I64, Shape.of(lq));
        exec.execute(new Arange(rows, lk - lq, 1));
        Operand cols = exec.temporary(DType.I64, Shape.of(lk));
        exec.execute(new Arange(cols, 0, 1));
        Shape shape = Shape.of(lq, lk);
        Operand mask = exec.temporary(DType.BOOL, shape);
        exec.execute(new Binary(BinaryFn.GE, rows.unsqueeze(1).broadcastTo(shape), cols.unsqueeze(0).broadcastTo(shape), mask));
        return mask;
    }

    private static Operand scalar(DType dtype, double value, OpExecutor exec) {
        Operand s = exec.temporary(dtype, Shape.scalar());
        exec.execute(new Fill(s, value));
        return s;
    }

    private static int[] trailingAxes(int rank, int count) {
        int[] axes = new int[count];
        for (int i = 0; i < count; i++) {
            axes[i] = rank - count + i;
        }
        return axes;
    }

    private static Shape keepdim(Shape shape, int[] axes) {
        Shape kept = shape;
        for (int axis : axes) {
            kept = kept.with(axis, 1);
        }
        return kept;
    }
}
