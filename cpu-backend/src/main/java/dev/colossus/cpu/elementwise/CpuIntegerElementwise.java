package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.LongIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.Unary;
import dev.colossus.op.UnaryFn;
import dev.colossus.op.Where;
import dev.colossus.reference.ReferenceMath;
import dev.colossus.spi.Operand;

/**
 * The elementwise functions of integer tensors (I64, I32, I16, I8, U8), in 64-bit two's complement
 * on the values widened (U8 as 0 to 255), then narrowed to out's low bits (I32 wraps as Java's int
 * arithmetic does, I8 and U8 as {@code (byte)}; a comparison writes BOOL):
 * <pre>
 *   unary:  out[i] = fn(x[i])                     neg, abs, relu, sign, square; floor, ceil, round as x
 *   binary: out[i] = fn(a[i], b[i])               arithmetic, min, max, comparisons, remainder, floorDivide
 *   where:  out[i] = condition[i] != 0 ? a[i] : b[i]
 * </pre>
 * as {@link ReferenceMath#unary(UnaryFn, long)} and {@link ReferenceMath#binary(BinaryFn, long, long)}
 * compute them, with the latter's conventions for a zero divisor. The output's elements are walked as
 * runs ({@link StridedWalk}) over any strides; each run, at most {@link dev.colossus.cpu.simd.FloatIO#BLOCK}
 * elements, is loaded into long buffers ({@link LongIO}) and computed by one plain loop per function,
 * which C2 compiles to vector code where the function has one (sums, products, min and max,
 * comparisons, choices), and for remainder and floorDivide by {@link ElementwiseKernels#divideIntegers};
 * tasks take contiguous ranges of the output.
 */
public final class CpuIntegerElementwise {
    private static final ElementwiseKernels ELEMENTWISE = ElementwiseKernels.instance();
    /** Elements per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 15;

    private CpuIntegerElementwise() {
    }

    /** What to compute for one run: {@code in[o]} holds input o's values, {@code out} receives the results. */
    private interface Block {
        void compute(long[][] in, long[] out, int n);
    }

    /** Whether {@link #unary} computes {@code op}: a function defined on integers, of an integer operand ({@link LongIO#handles}). */
    public static boolean handles(Unary op) {
        return LongIO.handles(op.x().dtype()) && op.fn().isIntegral();
    }

    /** Whether {@link #binary} computes {@code op}: integer operands ({@link LongIO#handles}). */
    public static boolean handles(Binary op) {
        return LongIO.handles(op.a().dtype());
    }

    /** Whether {@link #where} computes {@code op}: integer choices ({@link LongIO#handles}). */
    public static boolean handles(Where op) {
        return LongIO.handles(op.a().dtype()) && LongIO.loads(op.condition().dtype());
    }

    public static void unary(Unary op) {
        map(op.out(), new Operand[] {op.x()}, (in, r, n) -> compute(op.fn(), in[0], r, n));
    }

    public static void binary(Binary op) {
        map(op.out(), new Operand[] {op.a(), op.b()}, (in, r, n) -> compute(op.fn(), in[0], in[1], r, n));
    }

    public static void where(Where op) {
        map(op.out(), new Operand[] {op.condition(), op.a(), op.b()}, (in, r, n) -> {
            long[] c = in[0], a = in[1], b = in[2];
            for (int i = 0; i < n; i++) {
                r[i] = c[i] != 0 ? a[i] : b[i];
            }
        });
    }

    /** {@code out[i] = block(inputs[0][i], ...)} over every index of out's shape, in parallel. */
    private static void map(Operand out, Operand[] inputs, Block block) {
        StridedWalk walk = StridedWalk.ofOutAndInputs(out, inputs);
        long numel = walk.numel();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long[][] in = new long[inputs.length][BLOCK];
            long[] result = new long[BLOCK];
            walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                for (int i = 0; i < inputs.length; i++) {
                    LongIO.load(inputs[i], offsets[i + 1], walk.innerStride(i + 1), in[i], n);
                }
                block.compute(in, result, n);
                LongIO.store(result, n, out, offsets[0], walk.innerStride(0));
            });
        });
    }

    /** {@code r[i] = fn(x[i])} for {@code i < n}, one loop per function. */
    private static void compute(UnaryFn fn, long[] x, long[] r, int n) {
        switch (fn) {
            case NEG -> {
                for (int i = 0; i < n; i++) {
                    r[i] = -x[i];
                }
            }
            case ABS -> {
                for (int i = 0; i < n; i++) {
                    r[i] = Math.abs(x[i]);
                }
            }
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    r[i] = Math.max(x[i], 0);
                }
            }
            case SQUARE -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] * x[i];
                }
            }
            case SIGN -> {
                for (int i = 0; i < n; i++) {
                    r[i] = Long.signum(x[i]);
                }
            }
            // floor, ceil and round leave an integer as it is
            default -> System.arraycopy(x, 0, r, 0, n);
        }
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
            default -> ELEMENTWISE.divideIntegers(fn, x, y, r, n); // remainder and floorDivide
        }
    }
}
