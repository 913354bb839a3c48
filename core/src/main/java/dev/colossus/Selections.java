package dev.colossus;

import dev.colossus.op.Gather;
import dev.colossus.op.TopK;
import dev.colossus.spi.Operand;
import java.util.SplittableRandom;

/**
 * {@link Ops#topk}, {@link Ops#sort}, {@link Ops#argsort}, {@link Ops#argmin} and {@link Ops#multinomial}:
 * a {@link TopK} for the positions, a {@link Gather} for the values.
 */
final class Selections {
    private Selections() {
    }

    static ValuesAndIndices topk(String op, Tensor x, int k, int dim, boolean largest) {
        Tensor indices = indices(op, x, k, dim, largest);
        try {
            Operand in = x.operand(op), idx = indices.operand(op);
            int axis = in.shape().axis(op, dim);
            Tensor values = Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), idx.shape(),
                    out -> new Gather(in, axis, idx, out), x, indices));
            return new ValuesAndIndices(values, indices);
        } catch (RuntimeException | Error e) {
            indices.close();
            throw e;
        }
    }

    /** The size of x along dim, for sort's k. */
    static int length(String op, Tensor x, int dim) {
        Operand in = OpChecks.open(op, x);
        long n = in.dim(in.shape().axis(op, dim));
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + in.describe() + ": cannot order more than 2^31 - 1 elements along a dimension");
        }
        return (int) n;
    }

    /** The positions, I64, of the k first elements along dim in {@link TopK}'s order. */
    static Tensor indices(String op, Tensor x, int k, int dim, boolean largest) {
        Operand in = OpChecks.open(op, x);
        int axis = in.shape().axis(op, dim);
        if (k < 0 || k > in.dim(axis)) {
            throw new IllegalArgumentException(op + ": k = " + k + " is outside [0, " + in.dim(axis) + "], the size of dimension "
                    + axis + " of " + in.describe());
        }
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), DType.I64, in.shape().with(axis, k),
                out -> new TopK(in, axis, k, largest, out), x));
    }

    /**
     * The first position of the minimum, as the first maximum of an order-reversing map: {@code -x}
     * for floating x (NaN stays the largest, as argmax takes it), {@code -x - 1} (bitwise not, no
     * overflow) for integers.
     */
    static Tensor argmin(Tensor x, Integer dim, boolean keepdim) {
        String op = "argmin";
        Operand in = OpChecks.open(op, x);
        if (in.numel() == 0 || dim != null && in.dim(in.shape().axis(op, dim)) == 0) {
            throw new IllegalArgumentException(op + ": " + in.describe() + ": cannot reduce zero elements");
        }
        try (Tensor wide = in.dtype() == DType.BOOL ? x.to(DType.I64) : x.to(in.dtype());
                Tensor negated = Ops.neg(wide);
                Tensor reversed = in.dtype().isFloatingPoint() ? negated.to(negated.dtype()) : Ops.sub(negated, 1)) {
            return dim == null ? Ops.argmax(reversed) : Ops.argmax(reversed, dim, keepdim);
        }
    }

    /**
     * One position per row of probs (..., V), drawn with probability proportional to its value: the
     * first j with {@code c_j >= u c_V}, c the running sums in F64 (summed in order on every backend,
     * so the same bits everywhere) and u in (0, 1] from a {@link SplittableRandom} seeded with seed,
     * one per row in row-major order.
     */
    static Tensor multinomial(Tensor probs, long seed) {
        String op = "multinomial";
        Operand p = OpChecks.open(op, probs);
        OpChecks.requireFloating(op, p);
        if (p.rank() == 0 || p.dim(p.rank() - 1) == 0) {
            throw new IllegalArgumentException(op + ": probs " + p.describe() + " must be (..., V) with V > 0");
        }
        long rows = p.numel() / p.dim(p.rank() - 1);
        try (Tensor wide = probs.to(DType.F64); Tensor low = Ops.min(wide)) {
            double min = low.item();
            if (!(min >= 0)) {
                throw new IllegalArgumentException(op + ": probs " + p.describe() + " holds " + min
                        + "; every value must be a non-negative number");
            }
            long v = p.dim(p.rank() - 1);
            try (Tensor sums = Ops.cumsum(wide, -1); Tensor totals = sums.narrow(-1, v - 1, 1);
                    Tensor smallest = Ops.min(totals); Tensor largest = Ops.max(totals)) {
                if (!(smallest.item() > 0) || Double.isInfinite(largest.item())) {
                    throw new IllegalArgumentException(op + ": probs " + p.describe() + " has a row summing to "
                            + (smallest.item() > 0 ? largest.item() : smallest.item()) + "; each row's sum must be positive and finite");
                }
                double[] draws = new double[(int) Math.min(rows, Integer.MAX_VALUE)];
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < draws.length; i++) {
                    draws[i] = ((random.nextLong() >>> 11) + 1) * 0x1.0p-53;
                }
                try (Tensor u = Tensor.of(draws, totals.shape().dims()); Tensor there = u.to(p.storage().device());
                        Tensor targets = Ops.mul(totals, there); Tensor below = Ops.lt(sums, targets)) {
                    return Ops.sum(below, new int[] {-1}, false);
                }
            }
        }
    }
}
