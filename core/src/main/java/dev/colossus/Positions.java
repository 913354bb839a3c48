package dev.colossus;

import dev.colossus.op.Arange;
import dev.colossus.op.CumSum;
import dev.colossus.op.Rotary;
import dev.colossus.spi.Operand;

/** {@link Ops#triu}, {@link Ops#tril}, {@link Ops#cumsum} and {@link Ops#rotaryEmbedding}: ops by position. */
final class Positions {
    private Positions() {
    }

    /**
     * x where the column minus the row is at least k (upper) or at most k (lower), 0 elsewhere, over the
     * last two dimensions: a mask from the comparison of two ranges, and a {@link Ops#where}.
     */
    static Tensor triangle(String op, Tensor x, long k, boolean upper) {
        Operand in = OpChecks.open(op, x);
        if (in.rank() < 2) {
            throw new IllegalArgumentException(op + ": " + in.describe() + " must have at least 2 dimensions (..., M, N)");
        }
        Device device = in.storage().device();
        long m = in.dim(in.rank() - 2), n = in.dim(in.rank() - 1);
        // Kept where col >= row + k (upper) or col <= row + k (lower): a broadcast comparison of the columns'
        // indices with the rows' plus k, straight to the mask. k clamped to [-m, n] (beyond, the mask no
        // longer changes) makes every value an integer of magnitude below m + n: exact in F32 up to 2^24.
        long diagonal = Math.max(-m, Math.min(n, k));
        DType exact = m + n <= 1L << 24 ? DType.F32 : DType.F64;
        try (Tensor rows = range(op, device, exact, m, diagonal); Tensor cols = range(op, device, exact, n, 0);
                Tensor rowsDown = rows.unsqueeze(1); Tensor keep = upper ? Ops.ge(cols, rowsDown) : Ops.le(cols, rowsDown)) {
            return Ops.where(keep, x, 0);
        }
    }

    /** {@code start + i} for i below n, in dtype on {@code device}. */
    private static Tensor range(String op, Device device, DType dtype, long n, long start) {
        return Tensor.adopt(Dispatcher.compute(op, device, dtype, Shape.of(n), out -> new Arange(out, start, 1)));
    }

    /** Running sums along dim: x's dtype if floating, else I64. */
    static Tensor cumsum(Tensor x, int dim) {
        String op = "cumsum";
        Operand in = OpChecks.open(op, x);
        int axis = in.shape().axis(op, dim);
        DType dtype = in.dtype().isFloatingPoint() ? in.dtype() : DType.I64;
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), dtype, in.shape(), out -> new CumSum(in, axis, out), x));
    }

    /** x (..., L, D) with each pair turned by the angles whose cos and sin, (L, D/2), broadcast over the leading dims. */
    static Tensor rotary(Tensor x, Tensor cos, Tensor sin, boolean interleaved) {
        String op = "rotaryEmbedding";
        Operand in = OpChecks.open(op, x);
        Operand c = OpChecks.open(op, cos);
        Operand s = OpChecks.open(op, sin);
        OpChecks.requireFloating(op, in);
        OpChecks.sameDevice(op, in, c, s);
        OpChecks.sameDType(op, in, c);
        OpChecks.sameDType(op, in, s);
        if (in.rank() < 2 || in.dim(in.rank() - 1) % 2 != 0) {
            throw new IllegalArgumentException(op + ": x " + in.describe() + " must be (..., L, D) with D even");
        }
        Shape half = in.shape().with(in.rank() - 1, in.dim(in.rank() - 1) / 2);
        for (Operand angle : new Operand[] {c, s}) {
            if (!angle.shape().broadcastsTo(half)) {
                throw new IllegalArgumentException(op + ": cos " + c.describe() + " and sin " + s.describe()
                        + " must broadcast to " + half + " (L, D/2) for x " + in.describe());
            }
        }
        Operand cosine = c.broadcastTo(half), sine = s.broadcastTo(half);
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), in.shape(),
                out -> new Rotary(in, cosine, sine, interleaved, out), x, cos, sin));
    }
}
