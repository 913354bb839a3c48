package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.LongIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.reference.ReferenceMath;
import dev.colossus.spi.Operand;

/**
 * The binary functions of I32 and I64 tensors: {@code out[i] = fn(a[i], b[i])} in 64-bit two's
 * complement, then narrowed to out's dtype (I32 wraps as Java's int arithmetic does; a comparison
 * writes BOOL): {@link ReferenceMath#binary(BinaryFn, long, long)}, with its conventions for a zero
 * divisor. The output's elements are walked as runs ({@link StridedWalk}) over any strides; each run,
 * at most {@link dev.colossus.cpu.simd.FloatIO#BLOCK} elements, is loaded into long buffers ({@link
 * LongIO}) and computed by one plain loop per function, which C2 compiles to vector code where the
 * function has one (sums, products, min and max, comparisons); tasks take contiguous ranges of the
 * output.
 */
public final class CpuIntegerBinary {
    /** Elements per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 15;

    private CpuIntegerBinary() {
    }

    /** Whether {@link #binary} computes {@code op}: I32 or I64 operands. */
    public static boolean handles(Binary op) {
        return LongIO.handles(op.a().dtype());
    }

    public static void binary(Binary op) {
        Operand a = op.a(), b = op.b(), out = op.out();
        BinaryFn fn = op.fn();
        StridedWalk walk = new StridedWalk(out.shape(), out, a, b);
        long numel = walk.numel();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long[] x = new long[BLOCK], y = new long[BLOCK], result = new long[BLOCK];
            walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                LongIO.load(a, offsets[1], walk.innerStride(1), x, n);
                LongIO.load(b, offsets[2], walk.innerStride(2), y, n);
                compute(fn, x, y, result, n);
                LongIO.store(result, n, out, offsets[0], walk.innerStride(0));
            });
        });
    }

    /** {@code r[i] = fn(x[i], y[i])} for {@code i < n}, one loop per function. */
    private static void compute(BinaryFn fn, long[] x, long[] y, long[] r, int n) {
        switch (fn) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] + y[i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] - y[i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] * y[i];
                }
            }
            case MAXIMUM -> {
                for (int i = 0; i < n; i++) {
                    r[i] = Math.max(x[i], y[i]);
                }
            }
            case MINIMUM -> {
                for (int i = 0; i < n; i++) {
                    r[i] = Math.min(x[i], y[i]);
                }
            }
            case EQ -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] == y[i] ? 1 : 0;
                }
            }
            case NE -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] != y[i] ? 1 : 0;
                }
            }
            case LT -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] < y[i] ? 1 : 0;
                }
            }
            case LE -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] <= y[i] ? 1 : 0;
                }
            }
            case GT -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] > y[i] ? 1 : 0;
                }
            }
            case GE -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] >= y[i] ? 1 : 0;
                }
            }
            default -> {
                // remainder and floorDivide: a division each, whatever the loop around it
                for (int i = 0; i < n; i++) {
                    r[i] = ReferenceMath.binary(fn, x[i], y[i]);
                }
            }
        }
    }
}
