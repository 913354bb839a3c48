package dev.colossus.cpu.norm;

import dev.colossus.DType;
import dev.colossus.cpu.elementwise.ElementwiseKernels;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.RowKernels;
import dev.colossus.cpu.simd.WideSums;
import dev.colossus.op.AddRmsNorm;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Softmax;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;

/**
 * Softmax along an axis and layer/RMS norm over trailing axes, for F32, F16 and BF16: one row at a
 * time, rows in parallel; contiguous F32 rows read and written where they lie, any other row loaded
 * into an F32 buffer through its strides, computed with vector lanes, and stored back. Sums over a
 * row are taken in F32 per block of {@link FloatIO#BLOCK} (in double where F32 overflows:
 * {@link WideSums}) and combined in double.
 */
public final class CpuNormalization {
    private static final ElementwiseKernels ELEMENTWISE = ElementwiseKernels.instance();
    private static final NormKernels NORMS = NormKernels.instance();
    private static final RowKernels ROWS = RowKernels.instance();
    private static final int BLOCK = FloatIO.BLOCK;
    private static final long GRAIN = 1 << 14;

    private CpuNormalization() {
    }

    /**
     * A pass over a contiguous row that also takes the next row's max: softmax's exponentials
     * ({@link NormKernels#expShiftedNextMax}) or log-softmax's shift and sum ({@link NormKernels#shiftExpSumNextMax}).
     */
    private interface NextMaxPass {
        float apply(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next, float[] nextMax);
    }

    private static final NextMaxPass EXPONENTIALS = NORMS::expShiftedNextMax, SHIFT_AND_SUM = NORMS::shiftExpSumNextMax;

    /** What to do with one row, in place in {@code row[0 : n]}. */
    private interface RowOp {
        void apply(float[] row, int n);
    }

    /** What to do with one contiguous F32 row of n at byte {@code at} of x, into the row at byte {@code outAt} of out. */
    private interface InPlaceRowOp {
        void apply(MemorySegment x, long at, MemorySegment out, long outAt, int n);
    }

    /**
     * Applies an op to each row of {@code in}, into the same row of {@code out}, rows in parallel: where
     * both are contiguous F32 rows and there is an {@code inPlace} (null where the caller takes such
     * rows elsewhere), it reads and writes them where they lie (out aliases no input:
     * {@link dev.colossus.op.Op}'s contract); otherwise each row is loaded into an F32 buffer,
     * {@code buffered} applies, and the buffer is stored.
     */
    private static void eachRow(RowLayout in, RowLayout out, RowOp buffered, InPlaceRowOp inPlace) {
        long rows = in.rows();
        int n = Math.toIntExact(in.rowLength());
        int tasks = CpuParallel.tasksFor(rows * Math.max(1, n), GRAIN);
        boolean direct = inPlace != null && in.contiguousF32() && out.contiguousF32();
        CpuParallel.forEach(tasks, t -> {
            float[] row = direct ? null : new float[n];
            for (long r = rows * t / tasks; r < rows * (t + 1) / tasks; r++) {
                if (direct) {
                    inPlace.apply(in.segment(), 4 * in.start(r), out.segment(), 4 * out.start(r), n);
                    continue;
                }
                in.load(in.start(r), row);
                buffered.apply(row, n);
                out.store(row, out.start(r));
            }
        });
    }

    /** {@code exp(x - max) / sum exp(x - max)}, or {@code x - max - log(sum exp(x - max))}, per row. */
    public static void softmax(Softmax op) {
        RowLayout xRows = new RowLayout(op.x(), op.axis()), outRows = new RowLayout(op.out(), op.axis());
        if (xRows.contiguousF32() && outRows.contiguousF32()) {
            contiguousSoftmax(xRows, outRows, op.log());
            return;
        }
        int columnAxis = ColumnSoftmax.columnAxis(op);
        if (columnAxis >= 0) {
            ColumnSoftmax.softmax(op, columnAxis);
            return;
        }
        eachRow(xRows, outRows, (row, n) -> {
            float max = ROWS.max(row, 0, n);
            if (!op.log()) {
                ROWS.scale(row, 0, n, (float) (1 / expShifted(row, n, max)));
                return;
            }
            float logSum = (float) Math.log(expShifted(row.clone(), n, max));
            NORMS.normalize(row, n, max, 1, null, null);
            NORMS.normalize(row, n, logSum, 1, null, null);
        }, null);
    }

    /**
     * Softmax (or log-softmax) over rows contiguous in memory, each task's rows in order: the pass that
     * takes a row's exponentials also takes the next row's max ({@link NormKernels#expShiftedNextMax}),
     * so that row streams in from memory under the arithmetic rather than in a max pass of its own.
     * Log-softmax keeps no exponential: its pass writes {@code x - max} and sums the exponentials
     * ({@link NormKernels#shiftExpSumNextMax}), and one in place subtracts {@code log(sum)}.
     */
    private static void contiguousSoftmax(RowLayout in, RowLayout out, boolean log) {
        long rows = in.rows();
        int n = Math.toIntExact(in.rowLength());
        MemorySegment x = in.segment(), y = out.segment();
        int tasks = CpuParallel.tasksFor(rows * Math.max(1, n), GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long first = rows * t / tasks, end = rows * (t + 1) / tasks;
            float[] nextMax = new float[1];
            float max = first < end ? NORMS.max(x, 4 * in.start(first), n) : 0;
            for (long r = first; r < end; r++) {
                long at = 4 * in.start(r), outAt = 4 * out.start(r);
                // The last row's "next" is itself: its max again, unused.
                long next = r + 1 < end ? 4 * in.start(r + 1) : at;
                double sum = byBlocks(log ? SHIFT_AND_SUM : EXPONENTIALS, x, at, y, outAt, n, max, next, nextMax);
                if (log) {
                    NORMS.normalize(y, outAt, y, outAt, n, (float) Math.log(sum), 1, null, null);
                } else {
                    NORMS.scale(y, outAt, n, (float) (1 / sum));
                }
                max = nextMax[0];
            }
        });
    }

    /**
     * {@code (x - mean) / sqrt(var + eps) * weight + bias} per row of the normalized axes, the moments by
     * the corrected two-pass algorithm: {@code m} the F32 mean, then in one pass {@code d = sum(x - m)} and
     * {@code s = sum((x - m)^2)}; {@code mean = m + d / n}, {@code var = s / n - (d / n)^2}. Where the
     * mean's rounding to F32 would show in the output ({@code ulp(mean) / sqrt(var + eps)} past 1e-6: a
     * row of nearly equal values), the row is centred in two steps, {@code (x - m) - d / n}, so that the
     * output keeps the double mean's accuracy.
     */
    public static void layerNorm(LayerNorm op) {
        float[] weight = load(op.weight(), op.normalizedAxes());
        float[] bias = load(op.bias(), op.normalizedAxes());
        eachRow(RowLayout.trailing(op.x(), op.normalizedAxes()), RowLayout.trailing(op.out(), op.normalizedAxes()),
                (row, n) -> {
                    float first = (float) (sum(row, n) / n);
                    double[] linear = {0};
                    double squares = squaredDeviations(row, n, first, linear);
                    double shift = linear[0] / n;
                    float scale = (float) (1 / Math.sqrt(Math.max(0, squares / n - shift * shift) + op.eps()));
                    float mean = (float) (first + shift);
                    if (Math.ulp(mean) * scale > 1e-6) {
                        NORMS.normalize(row, n, first, 1, null, null);
                        mean = (float) shift;
                    }
                    NORMS.normalize(row, n, mean, scale, weight, bias);
                }, (x, at, out, outAt, n) -> {
                    float first = (float) (sum(x, at, n) / n);
                    double[] linear = {0};
                    double squares = squaredDeviations(x, at, n, first, linear);
                    double shift = linear[0] / n;
                    float scale = (float) (1 / Math.sqrt(Math.max(0, squares / n - shift * shift) + op.eps()));
                    float mean = (float) (first + shift);
                    MemorySegment from = x;
                    long fromAt = at;
                    if (Math.ulp(mean) * scale > 1e-6) {
                        NORMS.normalize(x, at, out, outAt, n, first, 1, null, null);
                        mean = (float) shift;
                        from = out;
                        fromAt = outAt;
                    }
                    NORMS.normalize(from, fromAt, out, outAt, n, mean, scale, weight, bias);
                });
    }

    /** {@code x / sqrt(mean(x^2) + eps) * weight} per row of the normalized axes. */
    public static void rmsNorm(RmsNorm op) {
        float[] weight = load(op.weight(), op.normalizedAxes());
        eachRow(RowLayout.trailing(op.x(), op.normalizedAxes()), RowLayout.trailing(op.out(), op.normalizedAxes()),
                (row, n) -> {
                    double meanSquare = squaredDeviations(row, n, 0) / n;
                    NORMS.normalize(row, n, 0, (float) (1 / Math.sqrt(meanSquare + op.eps())), weight, null);
                }, (x, at, out, outAt, n) -> {
                    double meanSquare = squaredDeviations(x, at, n, 0) / n;
                    NORMS.normalize(x, at, out, outAt, n, 0, (float) (1 / Math.sqrt(meanSquare + op.eps())), weight, null);
                });
    }

    /**
     * {@code h = x + residual} and {@code h / sqrt(mean(h^2) + eps) * weight} per row: where every row
     * is contiguous F32, the sum is written straight from x and the residual, and the norm reads it back
     * while it is in the cache; otherwise through F32 buffers, the norm taken of the sum as stored.
     */
    public static void addRmsNorm(AddRmsNorm op) {
        int axes = op.normalizedAxes();
        float[] weight = load(op.weight(), axes);
        RowLayout x = RowLayout.trailing(op.x(), axes), residual = RowLayout.trailing(op.residual(), axes);
        RowLayout sum = RowLayout.trailing(op.sum(), axes), normalized = RowLayout.trailing(op.normalized(), axes);
        boolean direct = x.contiguousF32() && residual.contiguousF32() && sum.contiguousF32() && normalized.contiguousF32();
        long rows = x.rows();
        int n = Math.toIntExact(x.rowLength());
        int tasks = CpuParallel.tasksFor(rows * Math.max(1, n), GRAIN);
        CpuParallel.forEach(tasks, t -> {
            float[] row = direct ? null : new float[n], other = direct ? null : new float[n];
            for (long r = rows * t / tasks; r < rows * (t + 1) / tasks; r++) {
                if (direct) {
                    long at = 4 * sum.start(r);
                    ELEMENTWISE.arithmetic(BinaryFn.ADD, DType.F32, x.segment(), 4 * x.start(r), residual.segment(), 4 * residual.start(r),
                            sum.segment(), at, n);
                    double meanSquare = squaredDeviations(sum.segment(), at, n, 0) / n;
                    NORMS.normalize(sum.segment(), at, normalized.segment(), 4 * normalized.start(r), n, 0,
                            (float) (1 / Math.sqrt(meanSquare + op.eps())), weight, null);
                    continue;
                }
                x.load(x.start(r), row);
                residual.load(residual.start(r), other);
                ROWS.addInto(other, 0, row, 0, n);
                sum.store(row, sum.start(r));
                sum.load(sum.start(r), row);
                double meanSquare = squaredDeviations(row, n, 0) / n;
                NORMS.normalize(row, n, 0, (float) (1 / Math.sqrt(meanSquare + op.eps())), weight, null);
                normalized.store(row, normalized.start(r));
            }
        });
    }

    /** The whole of a weight or bias as one F32 row, or null. */
    private static float[] load(Operand parameter, int axes) {
        if (parameter == null) {
            return null;
        }
        if (parameter.isContiguous()) {
            long n = 1;
            for (int d = parameter.rank() - axes; d < parameter.rank(); d++) {
                n *= parameter.dim(d);
            }
            float[] values = new float[Math.toIntExact(n)];
            FloatIO.load(parameter, parameter.offset(), 1, values, 0, values.length);
            return values;
        }
        RowLayout layout = RowLayout.trailing(parameter, axes);
        float[] values = new float[Math.toIntExact(layout.rowLength())];
        layout.load(layout.start(0), values);
        return values;
    }

    private static double sum(float[] row, int n) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += WideSums.sum(row, i, Math.min(BLOCK, n - i));
        }
        return sum;
    }

    /** {@code row[i] = exp(row[i] - shift)}, returning their sum. */
    private static double expShifted(float[] row, int n, float shift) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += ROWS.expShifted(row, i, Math.min(BLOCK, n - i), shift);
        }
        return sum;
    }

    private static double sum(MemorySegment x, long at, int n) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += WideSums.sum(x, at + 4L * i, Math.min(BLOCK, n - i));
        }
        return sum;
    }

    /**
     * {@code pass} over a row by blocks of {@link #BLOCK}, the blocks' sums added in double, and
     * {@code nextMax[0]} = the max of the n floats at byte {@code next}.
     */
    private static double byBlocks(NextMaxPass pass, MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift,
            long next, float[] nextMax) {
        double sum = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i += BLOCK) {
            sum += pass.apply(x, at + 4L * i, out, outAt + 4L * i, Math.min(BLOCK, n - i), shift, next + 4L * i, nextMax);
            max = Math.max(max, nextMax[0]);
        }
        nextMax[0] = max;
        return sum;
    }

    private static double squaredDeviations(MemorySegment x, long at, int n, float mean, double[] linear) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += WideSums.squaredDeviations(x, at + 4L * i, Math.min(BLOCK, n - i), mean, linear);
        }
        return sum;
    }

    private static double squaredDeviations(float[] row, int n, float mean, double[] linear) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += WideSums.squaredDeviations(row, i, Math.min(BLOCK, n - i), mean, linear);
        }
        return sum;
    }

    private static double squaredDeviations(MemorySegment x, long at, int n, float mean) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += WideSums.squaredDeviations(x, at + 4L * i, Math.min(BLOCK, n - i), mean);
        }
        return sum;
    }

    private static double squaredDeviations(float[] row, int n, float mean) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += WideSums.squaredDeviations(row, i, Math.min(BLOCK, n - i), mean);
        }
        return sum;
    }
}
