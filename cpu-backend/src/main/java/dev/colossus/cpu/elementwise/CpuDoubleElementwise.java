package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.DoubleIO;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.LongIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.op.Unary;
import dev.colossus.op.Where;
import dev.colossus.reference.ReferenceMath;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/**
 * The elementwise ops of F64 tensors, each element computed as the reference computes it, so the
 * results are the reference's to the bit:
 * <pre>
 *   unary:  out[i] = fn(x[i])                     {@link ReferenceMath#unary(dev.colossus.op.UnaryFn, double)}
 *   binary: out[i] = fn(a[i], b[i])               a + b, a - b, a * b, a / b, max, min; the others by
 *                                                 {@link ReferenceMath#binary(BinaryFn, double, double)}
 *                                                 (a comparison writes BOOL, {@code v != 0})
 *   where:  out[i] = condition[i] != 0 ? a[i] : b[i]
 *   fill:   out[i] = value
 *   cast:   F64 to F32, F16, BF16 through {@code (float) v}, then rounded as FloatIO rounds a float
 *           (the reference's double rounding); to an integer type, {@code (long) v} narrowed; to BOOL,
 *           {@code v != 0}; into F64, every F32, half, 8-bit float, integer and BOOL exactly
 * </pre>
 * The output's elements are walked as runs ({@link StridedWalk}) over any strides; each run, at most
 * {@link FloatIO#BLOCK} elements, is loaded into double buffers ({@link DoubleIO}) and computed by a
 * plain loop, which C2 compiles to vector code for the arithmetic; tasks take contiguous ranges of
 * the output. A cast to an 8-bit float stays with the reference, which rounds the double once.
 */
public final class CpuDoubleElementwise {
    /** Elements per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 15;

    private CpuDoubleElementwise() {
    }

    /** What to compute for one run: {@code in[o]} holds input o's values, {@code out} receives the results. */
    private interface Block {
        void compute(double[][] in, double[] out, int n);
    }

    /** Whether {@link #cast} computes {@code op}: F64 on one side; on the other F32, a half, an integer type or BOOL, or into F64 an 8-bit float. */
    public static boolean casts(Copy op) {
        DType from = op.src().dtype(), to = op.out().dtype();
        return from == DType.F64 && to != DType.F64 && (FloatIO.handles(to) || LongIO.handles(to))
                || to == DType.F64 && from != DType.F64 && (FloatIO.casts(from) || LongIO.handles(from));
    }

    /** Whether {@link #where} computes {@code op}: F64 choices. */
    public static boolean handles(Where op) {
        return op.a().dtype() == DType.F64;
    }

    public static void fill(Fill op) {
        double value = op.value();
        map(op.out(), new Operand[0], (in, r, n) -> Arrays.fill(r, 0, n, value));
    }

    public static void unary(Unary op) {
        map(op.out(), new Operand[] {op.x()}, (in, r, n) -> {
            double[] x = in[0];
            for (int i = 0; i < n; i++) {
                r[i] = ReferenceMath.unary(op.fn(), x[i]);
            }
        });
    }

    public static void binary(Binary op) {
        map(op.out(), new Operand[] {op.a(), op.b()}, (in, r, n) -> compute(op.fn(), in[0], in[1], r, n));
    }

    public static void where(Where op) {
        map(op.out(), new Operand[] {op.condition(), op.a(), op.b()}, (in, r, n) -> {
            double[] c = in[0], a = in[1], b = in[2];
            for (int i = 0; i < n; i++) {
                r[i] = c[i] != 0 ? a[i] : b[i];
            }
        });
    }

    public static void cast(Copy op) {
        Operand src = op.src(), out = op.out();
        StridedWalk walk = new StridedWalk(out.shape(), out, src);
        long numel = walk.numel();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            double[] doubles = new double[BLOCK];
            float[] floats = new float[BLOCK];
            long[] integers = new long[BLOCK];
            walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                long at = offsets[0], stride = walk.innerStride(0);
                load(src, offsets[1], walk.innerStride(1), doubles, floats, integers, n);
                if (out.dtype() == DType.F64 || out.dtype() == DType.BOOL) {
                    DoubleIO.store(doubles, n, out, at, stride);
                } else if (LongIO.handles(out.dtype())) {
                    for (int i = 0; i < n; i++) {
                        integers[i] = (long) doubles[i];
                    }
                    LongIO.store(integers, n, out, at, stride);
                } else {
                    for (int i = 0; i < n; i++) {
                        floats[i] = (float) doubles[i];
                    }
                    FloatIO.store(floats, 0, n, out, at, stride);
                }
            });
        });
    }

    /** {@code dst[0, n) = x's run} as doubles, exactly: F64 as it is, the F32 kernels' dtypes through floats, integers through longs. */
    private static void load(Operand x, long at, long stride, double[] dst, float[] floats, long[] integers, int n) {
        if (x.dtype() == DType.F64) {
            DoubleIO.load(x, at, stride, dst, n);
        } else if (LongIO.loads(x.dtype())) {
            LongIO.load(x, at, stride, integers, n);
            for (int i = 0; i < n; i++) {
                dst[i] = integers[i];
            }
        } else {
            FloatIO.load(x, at, stride, floats, 0, n);
            for (int i = 0; i < n; i++) {
                dst[i] = floats[i];
            }
        }
    }

    /** {@code out[i] = block(inputs[0][i], ...)} over every index of out's shape, in parallel. */
    private static void map(Operand out, Operand[] inputs, Block block) {
        StridedWalk walk = StridedWalk.ofOutAndInputs(out, inputs);
        long numel = walk.numel();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            double[][] in = new double[inputs.length][BLOCK];
            double[] result = new double[BLOCK];
            float[] floats = new float[BLOCK];
            long[] integers = new long[BLOCK];
            walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                for (int i = 0; i < inputs.length; i++) {
                    load(inputs[i], offsets[i + 1], walk.innerStride(i + 1), in[i], floats, integers, n);
                }
                block.compute(in, result, n);
                DoubleIO.store(result, n, out, offsets[0], walk.innerStride(0));
            });
        });
    }

    /** {@code r[i] = fn(x[i], y[i])} for {@code i < n}: a loop of its own for each arithmetic function, the reference's function for the others. */
    private static void compute(BinaryFn fn, double[] x, double[] y, double[] r, int n) {
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
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    r[i] = x[i] / y[i];
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
            default -> {
                for (int i = 0; i < n; i++) {
                    r[i] = ReferenceMath.binary(fn, x[i], y[i]);
                }
            }
        }
    }
}
