package dev.colossus.cpu.reduce;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.DoubleIO;
import dev.colossus.cpu.simd.LongIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.spi.Operand;

/**
 * Reductions of F64, each output's n reduced elements {@code x_0, x_1, ...} (row-major over the
 * reduced axes) folded in that order, as the reference folds them, so the results are its bits:
 * <pre>
 *   sum:    ((x_0 + x_1) + x_2) + ...              from 0
 *   mean:   sum / n
 *   var:    sum of (x_i - mean)^2 / max(0, n - correction), a second pass
 *   max:    Math.max over the x_i, from -Inf; min likewise, from +Inf
 *   argmax: the first NaN's index, else the first index of the largest, I64 (0 when none is above -Inf)
 * </pre>
 * Each output's elements are loaded run by run ({@link StridedWalk} over the reduced axes) into a
 * double buffer ({@link DoubleIO}); the outputs are split across the workers, each output folded by
 * one of them, since splitting a sum would regroup it.
 */
public final class CpuDoubleReduce {
    /** Elements per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 15;

    private CpuDoubleReduce() {
    }

    /** Whether {@link #reduce} computes {@code op}: every reduction of an F64 tensor. */
    public static boolean handles(Reduce op) {
        return op.x().dtype() == DType.F64;
    }

    public static void reduce(Reduce op) {
        Operand x = op.x(), out = op.out();
        Operand reduced = CpuReduce.reducedView(op);
        StridedWalk within = new StridedWalk(reduced.shape(), reduced);
        StridedWalk outputs = new StridedWalk(out.shape(), out, x.withLayout(out.shape(), x.strides(), x.offset()));
        long count = reduced.numel(), outCount = out.numel();
        long outStride = outputs.innerStride(0), xStride = outputs.innerStride(1);
        int tasks = (int) Math.min(outCount, CpuParallel.tasksFor(outCount * Math.max(1, count), GRAIN));
        CpuParallel.forEach(tasks, t -> {
            double[] buffer = new double[BLOCK];
            outputs.forRuns(outCount * t / tasks, outCount * (t + 1) / tasks, Integer.MAX_VALUE, (offsets, n) -> {
                for (int i = 0; i < n; i++) {
                    store(out, offsets[0] + i * outStride, fold(op, within, offsets[1] + i * xStride, count, buffer));
                }
            });
        });
    }

    private static void store(Operand out, long offset, double value) {
        if (out.dtype() == DType.F64) {
            DoubleIO.store(new double[] {value}, 1, out, offset, 1);
        } else {
            LongIO.store(new long[] {(long) value}, 1, out, offset, 1);
        }
    }

    /** fn over the {@code count} reduced elements of the output whose first element is at {@code start}. */
    private static double fold(Reduce op, StridedWalk within, long start, long count, double[] buffer) {
        ReduceFn fn = op.fn();
        Fold fold = new Fold(fn == ReduceFn.VAR ? ReduceFn.SUM : fn, Double.NaN);
        within.forRuns(0, count, BLOCK, (offsets, n) -> {
            DoubleIO.load(op.x(), start + offsets[0], within.innerStride(0), buffer, n);
            fold.add(buffer, n);
        });
        return switch (fn) {
            case MEAN -> fold.value / count;
            case VAR -> {
                Fold squares = new Fold(ReduceFn.VAR, fold.value / count);
                within.forRuns(0, count, BLOCK, (offsets, n) -> {
                    DoubleIO.load(op.x(), start + offsets[0], within.innerStride(0), buffer, n);
                    squares.add(buffer, n);
                });
                yield squares.value / Math.max(0, count - op.correction());
            }
            case ARGMAX -> fold.bestIndex;
            default -> fold.value;
        };
    }

    /** The running result of one fold over consecutive elements: a sum (of squared deviations from {@code mean} for VAR), a max or min, or argmax's best. */
    private static final class Fold {
        private final ReduceFn fn;
        private final double mean;
        private double value;
        private long bestIndex;
        private long next;
        private boolean sawNaN;

        Fold(ReduceFn fn, double mean) {
            this.fn = fn;
            this.mean = mean;
            value = switch (fn) {
                case MAX, ARGMAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
                default -> 0;
            };
        }

        /** Folds {@code buffer[0, n)}, the next n elements. */
        void add(double[] buffer, int n) {
            switch (fn) {
                case SUM, MEAN -> {
                    double sum = value;
                    for (int i = 0; i < n; i++) {
                        sum += buffer[i];
                    }
                    value = sum;
                }
                case VAR -> {
                    double sum = value;
                    for (int i = 0; i < n; i++) {
                        double d = buffer[i] - mean;
                        sum += d * d;
                    }
                    value = sum;
                }
                case MAX -> {
                    double max = value;
                    for (int i = 0; i < n; i++) {
                        max = Math.max(max, buffer[i]);
                    }
                    value = max;
                }
                case MIN -> {
                    double min = value;
                    for (int i = 0; i < n; i++) {
                        min = Math.min(min, buffer[i]);
                    }
                    value = min;
                }
                case ARGMAX -> {
                    for (int i = 0; i < n && !sawNaN; i++) {
                        double v = buffer[i];
                        if (Double.isNaN(v)) {
                            sawNaN = true;
                            bestIndex = next + i;
                        } else if (v > value) {
                            value = v;
                            bestIndex = next + i;
                        }
                    }
                }
            }
            next += n;
        }
    }
}
