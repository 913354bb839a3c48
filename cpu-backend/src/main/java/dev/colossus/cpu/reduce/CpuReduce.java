package dev.colossus.cpu.reduce;

import dev.colossus.Shape;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.RowKernels;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.cpu.simd.WideSums;
import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.reference.Elements;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/**
 * Reductions of F32, F16 and BF16: {@code out[j] = fn over the reduced axes of x}, keepdim layout.
 *
 * <p>Two loop orders. When the axes kept after the last reduced axis form a contiguous run of at
 * least one vector ("columns": a sum over the batch of (B, C), say), rows of that run are folded into
 * a block of accumulators, vectorised across the kept elements. Otherwise each output folds its
 * reduced elements, loaded run by run into a buffer and reduced with vector lanes ("rows"); when there
 * are fewer outputs than threads, the reduced elements are split across tasks and the partial results
 * combined. Sums are taken in F32 over short runs and combined in double (a run whose F32 sum
 * overflows is summed again in double); the variance takes two passes (the mean, then squared
 * deviations from it).
 */
public final class CpuReduce {
    private static final RowKernels ROWS = RowKernels.instance();
    private static final int BLOCK = FloatIO.BLOCK;
    /** The narrowest block of columns: a 1 KiB run of F32 a row. */
    private static final int MIN_COLUMNS = 256;
    private static final long GRAIN = 1 << 15;
    /** Rows folded into an F32 accumulator before it is flushed into double. */
    private static final int FLUSH = 256;

    private CpuReduce() {
    }

    public static void reduce(Reduce op) {
        Operand x = op.x();
        int[] axes = op.axes();
        int lastReduced = axes.length == 0 ? -1 : axes[axes.length - 1];
        long columns = 1;
        boolean contiguous = true;
        long expected = 1;
        for (int d = x.rank() - 1; d > lastReduced; d--) {
            if (x.dim(d) != 1 && x.strides()[d] != expected) {
                contiguous = false;
            }
            expected *= x.dim(d);
            columns *= x.dim(d);
        }
        long reducedCount = 1;
        for (int axis : axes) {
            reducedCount *= x.dim(axis);
        }
        // Argmax keeps each column's row as an int.
        if (lastReduced >= 0 && contiguous && columns >= 16 && (op.fn() != ReduceFn.ARGMAX || reducedCount <= Integer.MAX_VALUE)) {
            byColumns(op, lastReduced, columns);
        } else {
            byRows(op);
        }
    }

    // ---- rows: each output folds its own reduced elements ----

    /** The running result of one reduction: a sum in double, or a max/min with its first index. */
    private static final class Fold {
        final ReduceFn fn;
        double sum;
        float best;
        long bestIndex = -1;
        float mean;

        Fold(ReduceFn fn) {
            this.fn = fn;
            best = fn == ReduceFn.MIN ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        }

        /** Folds {@code buffer[0:n]}, the reduced elements {@code first .. first+n-1}; {@code deviations}: the variance's second pass. */
        void add(float[] buffer, int n, long first, boolean deviations) {
            switch (fn) {
                case SUM, MEAN -> sum += WideSums.sum(buffer, 0, n);
                case VAR -> sum += deviations ? WideSums.squaredDeviations(buffer, 0, n, mean) : WideSums.sum(buffer, 0, n);
                case MAX -> best = Math.max(best, ROWS.max(buffer, 0, n));
                case MIN -> best = Math.min(best, ROWS.min(buffer, 0, n));
                case ARGMAX -> {
                    // The block's max in vector lanes, then its first index: a branch per value was 2-3x slower.
                    float max = ROWS.max(buffer, 0, n);
                    boolean better = !Float.isNaN(best) && (max > best || Float.isNaN(max));
                    if (n > 0 && (bestIndex < 0 || better)) {
                        int at = ROWS.firstIndexOf(buffer, n, max);
                        best = buffer[at];
                        bestIndex = first + at;
                    }
                }
            }
        }

        /** Combines a fold of later elements into this one. */
        void merge(Fold later) {
            switch (fn) {
                case SUM, MEAN, VAR -> sum += later.sum;
                case MAX -> best = Math.max(best, later.best);
                case MIN -> best = Math.min(best, later.best);
                case ARGMAX -> {
                    boolean better = !Float.isNaN(best) && (later.best > best || Float.isNaN(later.best));
                    if (later.bestIndex >= 0 && (bestIndex < 0 || better)) {
                        best = later.best;
                        bestIndex = later.bestIndex;
                    }
                }
            }
        }
    }

    private static void byRows(Reduce op) {
        Operand x = op.x(), out = op.out();
        Operand reduced = reducedView(op);
        StridedWalk within = new StridedWalk(reduced.shape(), reduced);
        long count = reduced.numel();
        StridedWalk outputs = new StridedWalk(out.shape(), out, x.withLayout(out.shape(), x.strides(), x.offset()));
        long outCount = out.numel();
        long outStride = outputs.innerStride(0), xStride = outputs.innerStride(1);
        if (outCount >= CpuParallel.THREADS || count < 2 * GRAIN) {
            int tasks = CpuParallel.tasksFor(outCount * Math.max(1, count), GRAIN);
            CpuParallel.forEach(tasks, t -> {
                float[] buffer = new float[BLOCK];
                outputs.forRuns(outCount * t / tasks, outCount * (t + 1) / tasks, Integer.MAX_VALUE, (offsets, n) -> {
                    for (int i = 0; i < n; i++) {
                        long start = offsets[1] + i * xStride;
                        Fold fold = foldRange(op, within, start, 0, count, buffer, null);
                        if (op.fn() == ReduceFn.VAR) {
                            fold = foldRange(op, within, start, 0, count, buffer, (float) (fold.sum / count));
                        }
                        write(op, out, offsets[0] + i * outStride, fold, count);
                    }
                });
            });
            return;
        }
        int parts = CpuParallel.tasksFor(count, GRAIN);
        outputs.forRuns(0, outCount, Integer.MAX_VALUE, (offsets, n) -> {
            for (int i = 0; i < n; i++) {
                long start = offsets[1] + i * xStride;
                Fold[] partial = new Fold[parts];
                CpuParallel.forEach(parts, t -> partial[t] = foldRange(op, within, start,
                        count * t / parts, count * (t + 1) / parts, new float[BLOCK], null));
                if (op.fn() == ReduceFn.VAR) {
                    double sum = 0;
                    for (Fold f : partial) {
                        sum += f.sum;
                    }
                    float mean = (float) (sum / count);
                    CpuParallel.forEach(parts, t -> partial[t] = foldRange(op, within, start,
                            count * t / parts, count * (t + 1) / parts, new float[BLOCK], mean));
                }
                for (int t = 1; t < parts; t++) {
                    partial[0].merge(partial[t]);
                }
                write(op, out, offsets[0] + i * outStride, partial[0], count);
            }
        });
    }

    /** The reduced axes of x alone, at offset 0: add an output's start to reach its elements. */
    static Operand reducedView(Reduce op) {
        Operand x = op.x();
        long[] dims = new long[op.axes().length];
        long[] strides = new long[op.axes().length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = x.dim(op.axes()[i]);
            strides[i] = x.strides()[op.axes()[i]];
        }
        return x.withLayout(Shape.of(dims), strides, 0);
    }

    /**
     * Folds reduced elements {@code [from, to)} of the output whose first element is at {@code start}.
     * For VAR, {@code mean} null folds the sum (first pass), else the squared deviations from it.
     */
    private static Fold foldRange(Reduce op, StridedWalk within, long start, long from, long to, float[] buffer,
            Float mean) {
        Operand x = op.x();
        Fold fold = new Fold(op.fn());
        if (mean != null) {
            fold.mean = mean;
        }
        long[] index = {from};
        within.forRuns(from, to, BLOCK, (offsets, n) -> {
            FloatIO.load(x, start + offsets[0], within.innerStride(0), buffer, 0, n);
            fold.add(buffer, n, index[0], mean != null);
            index[0] += n;
        });
        return fold;
    }

    private static void write(Reduce op, Operand out, long offset, Fold fold, long count) {
        switch (op.fn()) {
            case SUM -> Elements.set(out, offset, fold.sum);
            case MEAN -> Elements.set(out, offset, fold.sum / count);
            case VAR -> Elements.set(out, offset, fold.sum / Math.max(0, count - op.correction()));
            case MAX, MIN -> Elements.set(out, offset, fold.best);
            case ARGMAX -> Elements.setLong(out, offset, Math.max(0, fold.bestIndex));
        }
    }

    // ---- columns: rows of a contiguous run folded into a block of accumulators ----

    private static void byColumns(Reduce op, int lastReduced, long columns) {
        Operand x = op.x(), out = op.out();
        int rank = x.rank();
        // outer: the output positions with the trailing run collapsed to its first element
        long[] outerDims = out.shape().dims();
        for (int d = lastReduced + 1; d < rank; d++) {
            outerDims[d] = 1;
        }
        Shape outerShape = Shape.of(outerDims);
        Operand outOuter = out.withLayout(outerShape, out.strides(), out.offset());
        Operand xOuter = x.withLayout(outerShape, x.strides(), x.offset());
        Operand reduced = reducedView(op);
        StridedWalk rows = new StridedWalk(reduced.shape(), reduced);
        long count = reduced.numel();
        StridedWalk outer = new StridedWalk(outerShape, outOuter, xOuter);
        long outerCount = outerShape.numel();
        // Blocks of BLOCK columns, narrower (down to MIN_COLUMNS) where too few outputs would leave threads idle:
        // a sum down the 4096 columns of a 4096 x 4096 was one block, on one thread.
        long wanted = Math.max(1, CpuParallel.THREADS / Math.max(1, outerCount));
        int blockWidth = (int) Math.min(BLOCK, Math.max(MIN_COLUMNS, (columns + wanted - 1) / wanted));
        int blocks = (int) ((columns + blockWidth - 1) / blockWidth);
        long units = outerCount * blocks;
        int tasks = (int) Math.min(units, CpuParallel.tasksFor(units * count * Math.min(columns, blockWidth), GRAIN));
        CpuParallel.forEach(tasks, t -> {
            float[] row = new float[BLOCK];
            float[] acc = new float[BLOCK];
            double[] total = new double[BLOCK];
            float[] result = new float[BLOCK];
            int[] index = op.fn() == ReduceFn.ARGMAX ? new int[BLOCK] : null;
            for (long u = units * t / tasks; u < units * (t + 1) / tasks; u++) {
                long o = u / blocks;
                int c0 = (int) (u % blocks) * blockWidth;
                int width = (int) Math.min(blockWidth, columns - c0);
                long[] bases = new long[2];
                outer.forRuns(o, o + 1, 1, (offsets, n) -> System.arraycopy(offsets, 0, bases, 0, 2));
                long xStart = bases[1] + c0;
                columnPass(op, rows, xStart, width, row, acc, total, null, index);
                if (op.fn() == ReduceFn.ARGMAX) {
                    for (int j = 0; j < width; j++) {
                        Elements.setLong(out, bases[0] + c0 + j, index[j]);
                    }
                    continue;
                }
                if (op.fn() == ReduceFn.VAR) {
                    float[] mean = new float[width];
                    for (int j = 0; j < width; j++) {
                        mean[j] = (float) (total[j] / count);
                    }
                    columnPass(op, rows, xStart, width, row, acc, total, mean, null);
                }
                for (int j = 0; j < width; j++) {
                    result[j] = switch (op.fn()) {
                        case SUM -> (float) total[j];
                        case MEAN -> (float) (total[j] / count);
                        case VAR -> (float) (total[j] / Math.max(0, count - op.correction()));
                        default -> acc[j];
                    };
                }
                FloatIO.store(result, 0, width, out, bases[0] + c0, 1);
            }
        });
    }

    /**
     * Folds every reduced row of the run at {@code xStart}: max/min into {@code acc}, argmax's best into
     * {@code acc} and its rows into {@code index}, sums into {@code total} (F32 partial sums flushed every
     * {@link #FLUSH} rows); with {@code mean}, the squared deviations from it.
     */
    private static void columnPass(Reduce op, StridedWalk rows, long xStart, int width, float[] row, float[] acc,
            double[] total, float[] mean, int[] index) {
        Operand x = op.x();
        ReduceFn fn = op.fn();
        boolean sums = fn == ReduceFn.SUM || fn == ReduceFn.MEAN || fn == ReduceFn.VAR;
        Arrays.fill(acc, 0, width, sums ? 0 : fn == ReduceFn.MIN ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY);
        Arrays.fill(total, 0, width, 0);
        if (index != null) {
            Arrays.fill(index, 0, width, 0);
        }
        int[] pending = {0};
        int[] ordinal = {0};
        rows.forRuns(0, rows.numel(), Integer.MAX_VALUE, (offsets, n) -> {
            for (long r = 0; r < n; r++) {
                FloatIO.load(x, xStart + offsets[0] + r * rows.innerStride(0), 1, row, 0, width);
                switch (fn) {
                    case MAX -> ROWS.maxInto(row, 0, acc, 0, width);
                    case MIN -> ROWS.minInto(row, 0, acc, 0, width);
                    case ARGMAX -> ROWS.argmaxInto(row, acc, index, ordinal[0], width);
                    default -> {
                        if (mean != null) {
                            for (int j = 0; j < width; j++) {
                                float d = row[j] - mean[j];
                                row[j] = d * d;
                            }
                        }
                        ROWS.addInto(row, 0, acc, 0, width);
                        if (++pending[0] == FLUSH) {
                            flush(acc, total, width);
                            pending[0] = 0;
                        }
                    }
                }
                ordinal[0]++;
            }
        });
        if (sums) {
            flush(acc, total, width);
            for (int j = 0; j < width; j++) {
                if (!Double.isFinite(total[j])) {
                    total[j] = columnInDouble(op, rows, xStart + j, mean == null ? null : mean[j]);
                }
            }
        }
    }

    /**
     * The sum of the column at {@code xStart} (with {@code mean}, of its squared deviations), element by
     * element in double: for a column whose F32 partial sums overflowed.
     */
    private static double columnInDouble(Reduce op, StridedWalk rows, long xStart, Float mean) {
        double[] sum = {0};
        rows.forRuns(0, rows.numel(), Integer.MAX_VALUE, (offsets, n) -> {
            for (long r = 0; r < n; r++) {
                double v = Elements.get(op.x(), xStart + offsets[0] + r * rows.innerStride(0));
                sum[0] += mean == null ? v : (v - mean) * (v - mean);
            }
        });
        return sum[0];
    }

    private static void flush(float[] acc, double[] total, int width) {
        for (int j = 0; j < width; j++) {
            total[j] += acc[j];
            acc[j] = 0;
        }
    }
}
