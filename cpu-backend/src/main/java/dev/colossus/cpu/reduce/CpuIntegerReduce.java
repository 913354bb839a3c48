package dev.colossus.cpu.reduce;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.LongIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.spi.Operand;

/**
 * Reductions of integer tensors (I64, I32, I16, I8, U8) and BOOL, with the reference's integer semantics:
 * <pre>
 *   sum:    out[j] = sum over i of x[i]                  I64, wrapping
 *   max:    out[j] = max over i of x[i]                  x's dtype
 *   min:    out[j] = min over i of x[i]                  x's dtype
 *   argmax: out[j] = the first i where x[i] is largest   I64, i row-major over the reduced axes
 * </pre>
 * for the indices i of x that agree with j outside the reduced axes. Each output folds its reduced
 * elements as runs ({@link StridedWalk}) loaded into a long buffer ({@link LongIO}), one plain loop
 * per function (C2's vector code for sums, max and min). Many outputs are split across the workers;
 * few (a whole tensor's min, as every index check takes) are each split into ranges folded apart and
 * merged in order: integer sums regroup exactly, and the first maximum stays the first.
 */
public final class CpuIntegerReduce {
    /** Elements per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 15;

    private CpuIntegerReduce() {
    }

    /** Whether {@link #reduce} computes {@code op}: a sum, max, min or argmax of an integer type or BOOL. */
    public static boolean handles(Reduce op) {
        return LongIO.loads(op.x().dtype()) && op.fn() != ReduceFn.MEAN && op.fn() != ReduceFn.VAR;
    }

    public static void reduce(Reduce op) {
        Operand x = op.x(), out = op.out();
        Operand reduced = CpuReduce.reducedView(op);
        StridedWalk within = new StridedWalk(reduced.shape(), reduced);
        StridedWalk outputs = new StridedWalk(out.shape(), out, x.withLayout(out.shape(), x.strides(), x.offset()));
        long count = reduced.numel(), outCount = out.numel();
        long outStride = outputs.innerStride(0), xStride = outputs.innerStride(1);
        if (outCount >= CpuParallel.THREADS || count < 2 * GRAIN) {
            int tasks = CpuParallel.tasksFor(outCount * Math.max(1, count), GRAIN);
            CpuParallel.forEach(tasks, t -> {
                long[] buffer = new long[BLOCK];
                outputs.forRuns(outCount * t / tasks, outCount * (t + 1) / tasks, Integer.MAX_VALUE, (offsets, n) -> {
                    for (int i = 0; i < n; i++) {
                        store(out, offsets[0] + i * outStride, fold(op, within, offsets[1] + i * xStride, 0, count, buffer));
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
                CpuParallel.forEach(parts, p -> partial[p] = fold(op, within, start, count * p / parts, count * (p + 1) / parts,
                        new long[BLOCK]));
                for (int p = 1; p < parts; p++) {
                    partial[0].merge(partial[p]);
                }
                store(out, offsets[0] + i * outStride, partial[0]);
            }
        });
    }

    private static void store(Operand out, long offset, Fold fold) {
        LongIO.store(new long[] {fold.result()}, 1, out, offset, 1);
    }

    /** Folds reduced elements {@code [from, to)} of the output whose first element is at {@code start}. */
    private static Fold fold(Reduce op, StridedWalk within, long start, long from, long to, long[] buffer) {
        Fold fold = new Fold(op.fn(), from);
        within.forRuns(from, to, BLOCK, (offsets, n) -> {
            LongIO.load(op.x(), start + offsets[0], within.innerStride(0), buffer, n);
            fold.add(buffer, n);
        });
        return fold;
    }

    /** The running result of one reduction over consecutive elements, the first of them element {@code next}. */
    private static final class Fold {
        private final ReduceFn fn;
        private long value;
        private long bestIndex = -1;
        private long next;

        Fold(ReduceFn fn, long first) {
            this.fn = fn;
            this.next = first;
            value = switch (fn) {
                case MAX, ARGMAX -> Long.MIN_VALUE;
                case MIN -> Long.MAX_VALUE;
                default -> 0;
            };
        }

        /** Folds {@code buffer[0, n)}, the next n elements. */
        void add(long[] buffer, int n) {
            switch (fn) {
                case SUM -> {
                    long sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += buffer[i];
                    }
                    value += sum;
                }
                case MAX -> value = Math.max(value, max(buffer, n));
                case MIN -> {
                    long min = Long.MAX_VALUE;
                    for (int i = 0; i < n; i++) {
                        min = Math.min(min, buffer[i]);
                    }
                    value = Math.min(value, min);
                }
                default -> {
                    // the block's max, then its first index, only where it beats the best so far
                    long max = max(buffer, n);
                    if (n > 0 && (bestIndex < 0 || max > value)) {
                        int at = 0;
                        while (buffer[at] != max) {
                            at++;
                        }
                        value = max;
                        bestIndex = next + at;
                    }
                }
            }
            next += n;
        }

        private static long max(long[] buffer, int n) {
            long max = Long.MIN_VALUE;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, buffer[i]);
            }
            return max;
        }

        /** Folds in a fold of the elements after this one's. */
        void merge(Fold later) {
            switch (fn) {
                case SUM -> value += later.value;
                case MAX -> value = Math.max(value, later.value);
                case MIN -> value = Math.min(value, later.value);
                default -> {
                    if (later.bestIndex >= 0 && (bestIndex < 0 || later.value > value)) {
                        value = later.value;
                        bestIndex = later.bestIndex;
                    }
                }
            }
        }

        long result() {
            return fn == ReduceFn.ARGMAX ? Math.max(0, bestIndex) : value;
        }
    }
}
