package dev.colossus.cpu;

import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.LOG;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.POW;
import static jdk.incubator.vector.VectorOperators.SQRT;
import static jdk.incubator.vector.VectorOperators.TANH;

import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import dev.colossus.reference.Elements;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatKernels} on the Vector API at {@link Simd#BITS}. Loops run whole vectors and hand the
 * remainder to {@link ScalarFloatKernels}; reductions keep one partial result per lane.
 *
 * <p>{@code exp}, {@code log}, {@code tanh} and {@code pow} are the Vector API's (SVML or SLEEF, about
 * 1 ulp); {@code erf} (for GELU) is Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7.
 */
final class VectorFloatKernels implements FloatKernels {
    static final VectorSpecies<Float> S = switch (Simd.BITS) {
        case 128 -> FloatVector.SPECIES_128;
        case 256 -> FloatVector.SPECIES_256;
        default -> FloatVector.SPECIES_512;
    };
    private static final int L = S.length();
    /** L shorts (BF16 inputs) and L ints of S's shape, to widen them. */
    static final VectorSpecies<Short> HALVES = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(S.vectorBitSize() / 2)).check(short.class);
    static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED.withShape(S.vectorShape()).check(int.class);

    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float SQRT_TWO_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    @Override
    public void unary(UnaryFn fn, float[] x, float[] out, int n) {
        int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1);
        FloatVector zero = FloatVector.zero(S);
        switch (fn) {
            case NEG -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(NEG).intoArray(out, i);
                }
            }
            case ABS -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(ABS).intoArray(out, i);
                }
            }
            case EXP -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(EXP).intoArray(out, i);
                }
            }
            case LOG -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(LOG).intoArray(out, i);
                }
            }
            case SQRT -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(SQRT).intoArray(out, i);
                }
            }
            case RSQRT -> {
                for (int i = 0; i < bound; i += L) {
                    one.div(FloatVector.fromArray(S, x, i).lanewise(SQRT)).intoArray(out, i);
                }
            }
            case TANH -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(TANH).intoArray(out, i);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    one.div(one.add(v.neg().lanewise(EXP))).intoArray(out, i);
                }
            }
            case RELU -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(MAX, zero).intoArray(out, i);
                }
            }
            case GELU -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(0.5f).mul(onePlusErf(v.mul(SQRT_HALF))).intoArray(out, i);
                }
            }
            case GELU_TANH -> {
                // x/2 (1 + tanh(z)) as x / (1 + exp(-2z)): the same function without 1 + tanh's cancellation for z << 0.
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector z = v.mul(v).mul(v).mul(0.044715f).add(v).mul(SQRT_TWO_OVER_PI);
                    v.div(one.add(z.mul(-2f).lanewise(EXP))).intoArray(out, i);
                }
            }
            case SILU -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.div(one.add(v.neg().lanewise(EXP))).intoArray(out, i);
                }
            }
        }
        ScalarFloatKernels.unary(fn, x, out, bound, n);
    }

    /**
     * {@code 1 + erf(x)} by Abramowitz and Stegun 7.1.26 ({@code |error of erf| <= 1.5e-7}):
     * {@code erfc(|x|) = t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) exp(-x^2)}, {@code t = 1/(1 + p|x|)}, then
     * {@code 1 + erf(x)} is {@code erfc(-x)} for x < 0, taken as it is (no cancellation in the tail where
     * GELU is small), and {@code 2 - erfc(x)} otherwise.
     */
    private static FloatVector onePlusErf(FloatVector x) {
        FloatVector ax = x.lanewise(ABS);
        FloatVector t = FloatVector.broadcast(S, 1).div(ax.mul(0.3275911f).add(1));
        FloatVector poly = t.mul(1.061405429f).add(-1.453152027f)
                .mul(t).add(1.421413741f)
                .mul(t).add(-0.284496736f)
                .mul(t).add(0.254829592f)
                .mul(t);
        FloatVector erfc = poly.mul(ax.mul(ax).neg().lanewise(EXP));
        return FloatVector.broadcast(S, 2).sub(erfc).blend(erfc, x.lt(0));
    }

    @Override
    public void binary(BinaryFn fn, float[] a, float[] b, float[] out, int n) {
        int bound = S.loopBound(n);
        switch (fn) {
            case ADD -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i)).intoArray(out, i);
                }
            }
            case SUB -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, a, i).sub(FloatVector.fromArray(S, b, i)).intoArray(out, i);
                }
            }
            case MUL -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, a, i).mul(FloatVector.fromArray(S, b, i)).intoArray(out, i);
                }
            }
            case DIV -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, a, i).div(FloatVector.fromArray(S, b, i)).intoArray(out, i);
                }
            }
            case POW -> {
                for (int i = 0; i < bound; i += L) {
                    pow(FloatVector.fromArray(S, a, i), FloatVector.fromArray(S, b, i)).intoArray(out, i);
                }
            }
            case MAXIMUM -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, a, i).lanewise(MAX, FloatVector.fromArray(S, b, i)).intoArray(out, i);
                }
            }
            case MINIMUM -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, a, i).lanewise(MIN, FloatVector.fromArray(S, b, i)).intoArray(out, i);
                }
            }
            case EQ -> compare(VectorOperators.EQ, a, b, out, bound);
            case NE -> compare(VectorOperators.NE, a, b, out, bound);
            case LT -> compare(VectorOperators.LT, a, b, out, bound);
            case LE -> compare(VectorOperators.LE, a, b, out, bound);
            case GT -> compare(VectorOperators.GT, a, b, out, bound);
            case GE -> compare(VectorOperators.GE, a, b, out, bound);
        }
        ScalarFloatKernels.binary(fn, a, b, out, bound, n);
    }

    @Override
    public void arithmetic(BinaryFn fn, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int n) {
        int bound = S.loopBound(n);
        ByteOrder order = ByteOrder.nativeOrder();
        // A loop per function: the Vector API compiles a lane-wise op to instructions only when the op is a constant.
        switch (fn) {
            case ADD -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, a, aAt + i, order).add(FloatVector.fromMemorySegment(S, b, bAt + i, order))
                            .intoMemorySegment(out, outAt + i, order);
                }
            }
            case SUB -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, a, aAt + i, order).sub(FloatVector.fromMemorySegment(S, b, bAt + i, order))
                            .intoMemorySegment(out, outAt + i, order);
                }
            }
            case MUL -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, a, aAt + i, order).mul(FloatVector.fromMemorySegment(S, b, bAt + i, order))
                            .intoMemorySegment(out, outAt + i, order);
                }
            }
            case DIV -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, a, aAt + i, order).div(FloatVector.fromMemorySegment(S, b, bAt + i, order))
                            .intoMemorySegment(out, outAt + i, order);
                }
            }
            case MAXIMUM -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, a, aAt + i, order).lanewise(MAX, FloatVector.fromMemorySegment(S, b, bAt + i, order))
                            .intoMemorySegment(out, outAt + i, order);
                }
            }
            case MINIMUM -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, a, aAt + i, order).lanewise(MIN, FloatVector.fromMemorySegment(S, b, bAt + i, order))
                            .intoMemorySegment(out, outAt + i, order);
                }
            }
            default -> throw new IllegalArgumentException(fn.apiName() + " is not arithmetic");
        }
        ScalarFloatKernels.arithmetic(fn, a, aAt, b, bAt, out, outAt, bound, n);
    }

    /**
     * {@code a^b} with C99's special cases ({@code 1^b = 1}, {@code (-1)^(+-Inf) = 1}) set explicitly:
     * the Vector API's POW gives Java's NaN for them in the interpreter and C's 1 once compiled.
     */
    private static FloatVector pow(FloatVector a, FloatVector b) {
        VectorMask<Float> one = a.eq(1).or(a.eq(-1).and(b.lanewise(ABS).eq(Float.POSITIVE_INFINITY)));
        return a.lanewise(POW, b).blend(FloatVector.broadcast(S, 1), one);
    }

    private static void compare(VectorOperators.Comparison test, float[] a, float[] b, float[] out, int bound) {
        FloatVector one = FloatVector.broadcast(S, 1);
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            VectorMask<Float> m = FloatVector.fromArray(S, a, i).compare(test, FloatVector.fromArray(S, b, i));
            zero.blend(one, m).intoArray(out, i);
        }
    }

    @Override
    public void select(float[] condition, float[] a, float[] b, float[] out, int n) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            VectorMask<Float> take = FloatVector.fromArray(S, condition, i).compare(VectorOperators.NE, 0);
            FloatVector.fromArray(S, b, i).blend(FloatVector.fromArray(S, a, i), take).intoArray(out, i);
        }
        for (int i = bound; i < n; i++) {
            out[i] = condition[i] != 0 ? a[i] : b[i];
        }
    }

    @Override
    public float sum(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        // Four accumulators: one would wait on the add's latency every vector.
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.add(FloatVector.fromArray(S, x, off + i));
            acc1 = acc1.add(FloatVector.fromArray(S, x, off + i + L));
            acc2 = acc2.add(FloatVector.fromArray(S, x, off + i + 2 * L));
            acc3 = acc3.add(FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.add(FloatVector.fromArray(S, x, off + i));
        }
        float s = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(ADD);
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    @Override
    public float squaredDeviations(float[] x, int off, int n, float mean) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            FloatVector d0 = FloatVector.fromArray(S, x, off + i).sub(m);
            FloatVector d1 = FloatVector.fromArray(S, x, off + i + L).sub(m);
            FloatVector d2 = FloatVector.fromArray(S, x, off + i + 2 * L).sub(m);
            FloatVector d3 = FloatVector.fromArray(S, x, off + i + 3 * L).sub(m);
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        for (; i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + i).sub(m);
            acc0 = d.fma(d, acc0);
        }
        float s = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(ADD);
        for (; i < n; i++) {
            float d = x[off + i] - mean;
            s += d * d;
        }
        return s;
    }

    @Override
    public float max(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        // Four accumulators: Java's max on lanes (NaN and -0 rules) is a chain of several instructions.
        FloatVector acc0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.lanewise(MAX, FloatVector.fromArray(S, x, off + i));
            acc1 = acc1.lanewise(MAX, FloatVector.fromArray(S, x, off + i + L));
            acc2 = acc2.lanewise(MAX, FloatVector.fromArray(S, x, off + i + 2 * L));
            acc3 = acc3.lanewise(MAX, FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.lanewise(MAX, FloatVector.fromArray(S, x, off + i));
        }
        float m = acc0.lanewise(MAX, acc1).lanewise(MAX, acc2.lanewise(MAX, acc3)).reduceLanes(MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    @Override
    public float min(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        // Four accumulators: Java's min on lanes (NaN and -0 rules) is a chain of several instructions.
        FloatVector acc0 = FloatVector.broadcast(S, Float.POSITIVE_INFINITY), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.lanewise(MIN, FloatVector.fromArray(S, x, off + i));
            acc1 = acc1.lanewise(MIN, FloatVector.fromArray(S, x, off + i + L));
            acc2 = acc2.lanewise(MIN, FloatVector.fromArray(S, x, off + i + 2 * L));
            acc3 = acc3.lanewise(MIN, FloatVector.fromArray(S, x, off + i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.lanewise(MIN, FloatVector.fromArray(S, x, off + i));
        }
        float m = acc0.lanewise(MIN, acc1).lanewise(MIN, acc2.lanewise(MIN, acc3)).reduceLanes(MIN);
        for (; i < n; i++) {
            m = Math.min(m, x[off + i]);
        }
        return m;
    }

    @Override
    public void addInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, acc, accOff + i).add(FloatVector.fromArray(S, x, xOff + i)).intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] += x[xOff + i];
        }
    }

    @Override
    public void maxInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, acc, accOff + i).lanewise(MAX, FloatVector.fromArray(S, x, xOff + i))
                    .intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = Math.max(acc[accOff + i], x[xOff + i]);
        }
    }

    @Override
    public void minInto(float[] x, int xOff, float[] acc, int accOff, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, acc, accOff + i).lanewise(MIN, FloatVector.fromArray(S, x, xOff + i))
                    .intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = Math.min(acc[accOff + i], x[xOff + i]);
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int i = 0;
        for (; i + 2 * L <= bound; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), acc1);
        }
        for (; i < bound; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
        }
        float s = acc0.add(acc1).reduceLanes(ADD);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** Four rows of a at a time against each row of b, which is loaded once for the four. */
    @Override
    public void dots(float[] a, int aOff, int aRows, float[] b, int bOff, int bRows, int n, float[] out, int outOff) {
        int bound = S.loopBound(n);
        int r = 0;
        for (; r + 4 <= aRows; r += 4) {
            int a0 = aOff + r * n, a1 = a0 + n, a2 = a1 + n, a3 = a2 + n;
            int j = 0;
            // Two rows of b at a time: eight independent chains of fused multiply-adds, not four.
            for (; j + 2 <= bRows; j += 2) {
                int bj = bOff + j * n, bk = bj + n;
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector x = FloatVector.fromArray(S, b, bj + i), y = FloatVector.fromArray(S, b, bk + i);
                    FloatVector q0 = FloatVector.fromArray(S, a, a0 + i), q1 = FloatVector.fromArray(S, a, a1 + i);
                    FloatVector q2 = FloatVector.fromArray(S, a, a2 + i), q3 = FloatVector.fromArray(S, a, a3 + i);
                    s0 = q0.fma(x, s0);
                    s1 = q1.fma(x, s1);
                    s2 = q2.fma(x, s2);
                    s3 = q3.fma(x, s3);
                    u0 = q0.fma(y, u0);
                    u1 = q1.fma(y, u1);
                    u2 = q2.fma(y, u2);
                    u3 = q3.fma(y, u3);
                }
                float t0 = s0.reduceLanes(ADD), t1 = s1.reduceLanes(ADD), t2 = s2.reduceLanes(ADD), t3 = s3.reduceLanes(ADD);
                float w0 = u0.reduceLanes(ADD), w1 = u1.reduceLanes(ADD), w2 = u2.reduceLanes(ADD), w3 = u3.reduceLanes(ADD);
                for (; i < n; i++) {
                    t0 += a[a0 + i] * b[bj + i];
                    t1 += a[a1 + i] * b[bj + i];
                    t2 += a[a2 + i] * b[bj + i];
                    t3 += a[a3 + i] * b[bj + i];
                    w0 += a[a0 + i] * b[bk + i];
                    w1 += a[a1 + i] * b[bk + i];
                    w2 += a[a2 + i] * b[bk + i];
                    w3 += a[a3 + i] * b[bk + i];
                }
                out[outOff + r * bRows + j] = t0;
                out[outOff + (r + 1) * bRows + j] = t1;
                out[outOff + (r + 2) * bRows + j] = t2;
                out[outOff + (r + 3) * bRows + j] = t3;
                out[outOff + r * bRows + j + 1] = w0;
                out[outOff + (r + 1) * bRows + j + 1] = w1;
                out[outOff + (r + 2) * bRows + j + 1] = w2;
                out[outOff + (r + 3) * bRows + j + 1] = w3;
            }
            for (; j < bRows; j++) {
                out[outOff + r * bRows + j] = dot(a, a0, b, bOff + j * n, n);
                out[outOff + (r + 1) * bRows + j] = dot(a, a1, b, bOff + j * n, n);
                out[outOff + (r + 2) * bRows + j] = dot(a, a2, b, bOff + j * n, n);
                out[outOff + (r + 3) * bRows + j] = dot(a, a3, b, bOff + j * n, n);
            }
        }
        for (; r < aRows; r++) {
            for (int j = 0; j < bRows; j++) {
                out[outOff + r * bRows + j] = dot(a, aOff + r * n, b, bOff + j * n, n);
            }
        }
    }

    /** Four rows at a time, one vector of columns at a time: the four accumulators stay in registers across k. */
    @Override
    public void addProducts(float[] p, int pOff, int rows, int k, float[] v, int vOff, int n, float[] out, int outOff) {
        int bound = S.loopBound(n);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int p0 = pOff + r * k, o0 = outOff + r * n;
            for (int c = 0; c < bound; c += L) {
                FloatVector s0 = FloatVector.fromArray(S, out, o0 + c), s1 = FloatVector.fromArray(S, out, o0 + n + c);
                FloatVector s2 = FloatVector.fromArray(S, out, o0 + 2 * n + c), s3 = FloatVector.fromArray(S, out, o0 + 3 * n + c);
                for (int j = 0; j < k; j++) {
                    FloatVector x = FloatVector.fromArray(S, v, vOff + j * n + c);
                    s0 = x.fma(FloatVector.broadcast(S, p[p0 + j]), s0);
                    s1 = x.fma(FloatVector.broadcast(S, p[p0 + k + j]), s1);
                    s2 = x.fma(FloatVector.broadcast(S, p[p0 + 2 * k + j]), s2);
                    s3 = x.fma(FloatVector.broadcast(S, p[p0 + 3 * k + j]), s3);
                }
                s0.intoArray(out, o0 + c);
                s1.intoArray(out, o0 + n + c);
                s2.intoArray(out, o0 + 2 * n + c);
                s3.intoArray(out, o0 + 3 * n + c);
            }
            for (int c = bound; c < n; c++) {
                for (int q = 0; q < 4; q++) {
                    float sum = out[o0 + q * n + c];
                    for (int j = 0; j < k; j++) {
                        sum += p[p0 + q * k + j] * v[vOff + j * n + c];
                    }
                    out[o0 + q * n + c] = sum;
                }
            }
        }
        for (; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                axpy(p[pOff + r * k + j], v, vOff + j * n, out, outOff + r * n, n);
            }
        }
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        FloatVector a = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i < bound; i += L) {
            a.fma(FloatVector.fromArray(S, x, xOff + i), FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, int n, float alpha) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public float expShifted(float[] x, int off, int n, float shift) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, off + i).sub(shift).lanewise(EXP);
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        float s = acc.reduceLanes(ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            x[off + i] = e;
            s += e;
        }
        return s;
    }

    @Override
    public void normalize(float[] x, int n, float shift, float factor, float[] weight, float[] bias) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector y = FloatVector.fromArray(S, x, i).sub(shift).mul(factor);
            if (weight != null) {
                y = y.mul(FloatVector.fromArray(S, weight, i));
            }
            if (bias != null) {
                y = y.add(FloatVector.fromArray(S, bias, i));
            }
            y.intoArray(x, i);
        }
        ScalarFloatKernels.normalize(x, bound, n, shift, factor, weight, bias);
    }

    @Override
    public void widenBf16(MemorySegment src, long at, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            ShortVector halves = ShortVector.fromMemorySegment(HALVES, src, at + 2L * i, ByteOrder.nativeOrder());
            ((IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i) << 16);
        }
    }

    /* Round to nearest even: add 0x7FFF plus the lowest kept bit, keep the upper half; NaN: quieten. */
    @Override
    public void narrowBf16(float[] src, int srcOff, MemorySegment dst, long at, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(S, src, srcOff + i);
            IntVector bits = v.reinterpretAsInts();
            IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF)
                    .lanewise(VectorOperators.LSHR, 16);
            IntVector quiet = bits.lanewise(VectorOperators.LSHR, 16).or(0x0040);
            IntVector result = rounded.blend(quiet, v.test(VectorOperators.IS_NAN).cast(INTS));
            ((ShortVector) result.convertShape(VectorOperators.I2S, HALVES, 0)).intoMemorySegment(dst, at + 2L * i,
                    ByteOrder.nativeOrder());
        }
        for (; i < n; i++) {
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Elements.floatToBf16(src[srcOff + i]));
        }
    }
}
