package dev.colossus;

import dev.colossus.op.Copy;
import dev.colossus.op.Gather;
import dev.colossus.op.Op;
import dev.colossus.op.Scatter;
import dev.colossus.spi.Operand;
import java.util.Arrays;
import java.util.List;

/**
 * The checks and views behind {@link Ops#indexSelect}, {@link Ops#embedding}, {@link Ops#gather},
 * {@link Ops#scatterAdd}, {@link Ops#indexCopy} and {@link Tensor#indexCopy}: each becomes one
 * {@link Gather} or {@link Scatter}. Every index is checked against its dimension before anything is
 * written, on every backend (a min and a max over the indices, read back to the host).
 */
final class Indexing {
    private Indexing() {
    }

    /** {@code out[.., j, ..] = x[.., indices[j], ..]} along {@code dim}; indices 0-D or 1-D. */
    static Tensor indexSelect(String op, Tensor x, int dim, Tensor indices) {
        Operand in = OpChecks.open(op, x);
        Operand idx = indexOperand(op, indices, in);
        if (idx.rank() > 1) {
            throw new IllegalArgumentException(op + ": indices " + idx.describe() + " must be 0-D or 1-D (embedding takes any shape)");
        }
        int axis = in.shape().axis(op, dim);
        checkRange(op, indices, idx, in.dim(axis), "dimension " + axis + " of " + in.describe());
        long n = idx.rank() == 0 ? 1 : idx.dim(0);
        Shape outShape = in.shape().with(axis, n);
        long[] strides = new long[in.rank()];
        strides[axis] = idx.rank() == 0 ? 0 : idx.strides()[0];
        Operand spread = idx.withLayout(outShape, strides, idx.offset());
        Tensor selected = Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), outShape,
                out -> new Gather(in, axis, spread, out), x, indices));
        if (idx.rank() == 1) {
            return selected;
        }
        try (selected) {
            return selected.squeeze(axis);
        }
    }

    /** {@code weight[ids[i]]} for every index i of ids: (ids..., D) from weight (V, D). */
    static Tensor embedding(Tensor weight, Tensor ids) {
        String op = "embedding";
        Operand w = OpChecks.open(op, weight);
        Operand idx = indexOperand(op, ids, w);
        if (w.rank() != 2) {
            throw new IllegalArgumentException(op + ": weight " + w.describe() + " must be (V, D)");
        }
        try (Tensor flat = ids.reshape(idx.numel()); Tensor rows = indexSelect(op, weight, 0, flat)) {
            return rows.reshape(idx.shape().append(w.dim(1)).dims());
        }
    }

    /** {@code out[i] = x[i with i_dim = index[i]]}, as torch.gather: out has index's shape. */
    static Tensor gather(Tensor x, int dim, Tensor index) {
        String op = "gather";
        Operand in = OpChecks.open(op, x);
        Operand idx = indexOperand(op, index, in);
        int axis = in.shape().axis(op, dim);
        sameRankWithin(op, "index", idx, "x", in, axis);
        checkRange(op, index, idx, in.dim(axis), "dimension " + axis + " of x " + in.describe());
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), idx.shape(),
                out -> new Gather(in, axis, idx, out), x, index));
    }

    /**
     * x with {@code src[i]} added at {@code i with i_dim = index[i]} for every index i of index's shape
     * (src's leading part of that shape), duplicates adding up.
     */
    static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        String op = "scatterAdd";
        Operand in = OpChecks.open(op, x);
        Operand s = OpChecks.open(op, src);
        Operand idx = indexOperand(op, index, in);
        OpChecks.sameDevice(op, in, s);
        OpChecks.sameDType(op, in, s);
        int axis = in.shape().axis(op, dim);
        sameRankWithin(op, "index", idx, "x", in, axis);
        sameRankWithin(op, "index", idx, "src", s, -1);
        checkRange(op, index, idx, in.dim(axis), "dimension " + axis + " of x " + in.describe());
        Operand part = leading(s, idx.shape());
        return Tensor.adopt(Dispatcher.computeAll(op, in.storage().device(), in.dtype(), in.shape(),
                out -> List.<Op>of(new Copy(in, out), new Scatter(part, axis, idx, true, out)), x, index, src));
    }

    /** {@code dest.select(dim, index[j]) = src.select(dim, j)} in place; index 1-D without repeats. */
    static void indexCopy(String op, Tensor dest, int dim, Tensor index, Tensor src) {
        Operand d = Writes.writable(op, dest);
        Operand s = OpChecks.open(op, src);
        Operand idx = indexOperand(op, index, d);
        OpChecks.sameDevice(op, d, s);
        OpChecks.sameDType(op, d, s);
        int axis = d.shape().axis(op, dim);
        if (idx.rank() != 1 || !s.shape().equals(d.shape().with(axis, idx.dim(0)))) {
            throw new IllegalArgumentException(op + ": index " + idx.describe() + " must be 1-D and src " + s.describe()
                    + " the destination's shape " + d.shape() + " with dimension " + axis + " of index's length");
        }
        long[] values = checkRange(op, index, idx, d.dim(axis), "dimension " + axis + " of " + d.describe());
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException(op + ": index " + sorted[i] + " appears more than once in " + idx.describe()
                        + "; which write would land is undefined (use scatterAdd to sum)");
            }
        }
        long[] strides = new long[s.rank()];
        strides[axis] = idx.strides()[0];
        Operand spread = idx.withLayout(s.shape(), strides, idx.offset());
        try (Tensor source = Writes.readFirstIfOverlapping(op, src, d)) {
            Operand from = source.operand(op);
            Dispatcher.writeInto(op, dest, out -> List.of(new Scatter(from, axis, spread, false, out)), index, source);
        }
    }

    private static Operand indexOperand(String op, Tensor index, Operand x) {
        Operand idx = OpChecks.open(op, index);
        if (idx.dtype() != DType.I32 && idx.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": index " + idx.describe() + " must be I32 or I64");
        }
        OpChecks.sameDevice(op, x, idx);
        return idx;
    }

    /** The same rank, and {@code small}'s sizes at most {@code large}'s except along {@code axis} (-1: none excepted). */
    private static void sameRankWithin(String op, String smallName, Operand small, String largeName, Operand large, int axis) {
        boolean fits = small.rank() == large.rank();
        for (int d = 0; fits && d < small.rank(); d++) {
            fits = d == axis || small.dim(d) <= large.dim(d);
        }
        if (!fits) {
            throw new IllegalArgumentException(op + ": " + smallName + " " + small.describe() + " must have the rank of "
                    + largeName + " " + large.describe() + " and sizes no larger" + (axis < 0 ? "" : " outside dimension " + axis));
        }
    }

    /** {@code x}'s elements at indices below {@code shape}'s sizes. */
    private static Operand leading(Operand x, Shape shape) {
        return x.withLayout(shape, x.strides(), x.offset());
    }

    /**
     * Throws {@link IndexOutOfBoundsException} naming the first index outside {@code [0, size)}, its
     * position and the size; returns the indices when they were read whole (1-D), else null.
     */
    private static long[] checkRange(String op, Tensor index, Operand idx, long size, String what) {
        if (idx.numel() == 0) {
            return new long[0];
        }
        try (Tensor low = Ops.min(index); Tensor high = Ops.max(index)) {
            long min = low.toLongArray()[0], max = high.toLongArray()[0];
            if (min < 0 || max >= size) {
                long bad = min < 0 ? min : max;
                try (Tensor value = Tensor.scalar(bad, index.dtype()); Tensor there = value.to(index.device());
                        Tensor hits = Ops.eq(index, there); Tensor first = Ops.argmax(hits)) {
                    throw new IndexOutOfBoundsException(op + ": index " + bad + " at position "
                            + Arrays.toString(unravel(first.toLongArray()[0], idx.shape())) + " of " + idx.describe()
                            + " is out of range for size " + size + " (" + what + ")");
                }
            }
            return idx.rank() == 1 ? index.toLongArray() : null;
        }
    }

    private static long[] unravel(long flat, Shape shape) {
        long[] at = new long[shape.rank()];
        for (int d = shape.rank() - 1; d >= 0; d--) {
            at[d] = flat % shape.dim(d);
            flat /= shape.dim(d);
        }
        return at;
    }
}
