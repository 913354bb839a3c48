package dev.colossus.cpu.norm;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.RowKernels;
import dev.colossus.op.Softmax;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/**
 * Softmax along an axis that is not the one memory runs along: x seen as {@code (outer, n, columns)},
 * n the softmax axis and {@code columns} the axis of x's smallest stride, and for each column c
 *
 * <pre>
 *   m[c] = max_i x[i, c]    s[c] = sum_i exp(x[i, c] - m[c])
 *   out[i, c] = exp(x[i, c] - m[c]) / s[c]    or, log-softmax,  (x[i, c] - m[c]) - log s[c]
 * </pre>
 *
 * <p>Three passes over the n rows of a block of {@link #WIDTH} columns, each row's block loaded into an
 * F32 buffer and the columns taken in vector lanes side by side. Taken one column at a time, a slice
 * along {@code dim 0} of a 4096 x 4096 F32 tensor read each element from a new page: 130 ms, where
 * softmax along the last axis took 6. Each column's sum is taken in F32 over {@link #ROWS_IN_F32} rows at
 * a time and those sums added in double. Blocks (outer index by column block) run in parallel.
 */
final class ColumnSoftmax {
    private static final NormKernels NORMS = NormKernels.instance();
    private static final RowKernels ROWS = RowKernels.instance();
    /** Columns a block: its buffers (a row, the max, the scale, the F32 and double sums) are 24 KiB, within L1. */
    private static final int WIDTH = 1024;
    private static final int ROWS_IN_F32 = 256;
    private static final long GRAIN = 1 << 14;

    private ColumnSoftmax() {
    }

    /**
     * The axis of x memory runs along, if softmax should walk columns: another axis than op's, longer
     * than one, whose stride is smaller than the softmax axis's; -1 where rows along the axis are better.
     */
    static int columnAxis(Softmax op) {
        Operand x = op.x();
        int best = -1;
        for (int d = 0; d < x.rank(); d++) {
            if (d != op.axis() && x.dim(d) > 1 && (best < 0 || Math.abs(x.strides()[d]) < Math.abs(x.strides()[best]))) {
                best = d;
            }
        }
        return best >= 0 && x.dim(op.axis()) > 1 && Math.abs(x.strides()[best]) < Math.abs(x.strides()[op.axis()]) ? best : -1;
    }

    /** Softmax (or log-softmax) of op, walking columns along {@code columnAxis} ({@link #columnAxis}). */
    static void softmax(Softmax op, int columnAxis) {
        Operand x = op.x(), out = op.out();
        int axis = op.axis();
        int[] rowAndColumn = {Math.min(axis, columnAxis), Math.max(axis, columnAxis)};
        RowLayout xOuter = new RowLayout(x, rowAndColumn), outOuter = new RowLayout(out, rowAndColumn);
        long n = x.dim(axis), columns = x.dim(columnAxis);
        long xRow = x.strides()[axis], xColumn = x.strides()[columnAxis];
        long outRow = out.strides()[axis], outColumn = out.strides()[columnAxis];
        long blocksPerOuter = (columns + WIDTH - 1) / WIDTH;
        long blocks = xOuter.rows() * blocksPerOuter;
        int tasks = CpuParallel.tasksFor(blocks * n * Math.min(columns, WIDTH), GRAIN);
        CpuParallel.forEach(tasks, t -> {
            float[] row = new float[WIDTH], max = new float[WIDTH], scale = new float[WIDTH], partial = new float[WIDTH];
            double[] sums = new double[WIDTH];
            for (long b = blocks * t / tasks; b < blocks * (t + 1) / tasks; b++) {
                long outer = b / blocksPerOuter, first = b % blocksPerOuter * WIDTH;
                int width = (int) Math.min(WIDTH, columns - first);
                long xAt = xOuter.start(outer) + first * xColumn, outAt = outOuter.start(outer) + first * outColumn;
                Arrays.fill(max, 0, width, Float.NEGATIVE_INFINITY);
                for (long i = 0; i < n; i++) {
                    FloatIO.load(x, xAt + i * xRow, xColumn, row, 0, width);
                    ROWS.maxInto(row, 0, max, 0, width);
                }
                Arrays.fill(sums, 0, width, 0);
                for (long i = 0; i < n; i += ROWS_IN_F32) {
                    Arrays.fill(partial, 0, width, 0);
                    for (long r = i; r < Math.min(n, i + ROWS_IN_F32); r++) {
                        FloatIO.load(x, xAt + r * xRow, xColumn, row, 0, width);
                        NORMS.addExpShifted(row, max, partial, width);
                    }
                    for (int c = 0; c < width; c++) {
                        sums[c] += partial[c];
                    }
                }
                // 1 / s, or log s for log-softmax
                for (int c = 0; c < width; c++) {
                    scale[c] = (float) (op.log() ? Math.log(sums[c]) : 1 / sums[c]);
                }
                for (long i = 0; i < n; i++) {
                    FloatIO.load(x, xAt + i * xRow, xColumn, row, 0, width);
                    if (op.log()) {
                        NORMS.subtractTwice(row, max, scale, width);
                    } else {
                        NORMS.expShiftedScaled(row, max, scale, width);
                    }
                    FloatIO.store(row, 0, width, out, outAt + i * outRow, outColumn);
                }
            }
        });
    }
}
