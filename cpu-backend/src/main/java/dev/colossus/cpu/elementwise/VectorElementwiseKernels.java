package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.F16Lanes.loadF16;
import static dev.colossus.cpu.simd.NativeSegments.exact;
import static dev.colossus.cpu.simd.VectorLanes.DOUBLES;
import static dev.colossus.cpu.simd.VectorLanes.L;
import static dev.colossus.cpu.simd.VectorLanes.NATIVE;
import static dev.colossus.cpu.simd.VectorLanes.S;
import static dev.colossus.cpu.simd.VectorLanes.load;
import static dev.colossus.cpu.simd.VectorLanes.loadBf16;
import static dev.colossus.cpu.simd.VectorLanes.storeBf16;
import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.SQRT;
import static jdk.incubator.vector.VectorOperators.XOR;

import dev.colossus.DType;
import dev.colossus.cpu.simd.F16Lanes;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.cpu.simd.VectorFloorDivision;
import dev.colossus.cpu.simd.VectorLongDivision;
import dev.colossus.cpu.simd.VectorMath;
import dev.colossus.cpu.simd.VectorPow;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ElementwiseKernels} on the Vector API at {@link Simd#BITS}. Loops run whole vectors and hand the
 * remainder to {@link ScalarElementwiseKernels}.
 *
 * <p>{@code exp}, {@code log} and {@code tanh} are {@link VectorMath}'s (about 1 ulp), not the Vector
 * API's, whose bits differ before and after C2 compiles a loop: a result must not depend on when the
 * JIT got to it; nor is {@code pow} ({@link VectorPow}'s). {@code erfc} (for GELU) is Numerical
 * Recipes' erfcc fit, relative error below 1.2e-7.
 */
final class VectorElementwiseKernels implements ElementwiseKernels {
    private static final ScalarElementwiseKernels SCALAR = new ScalarElementwiseKernels();
    /** pow's and floor division's lanes: half S's, one per double lane. */
    private static final VectorSpecies<Float> HALF = VectorPow.FLOATS;

    /** 2L F16 values: a vector of S's shape as 16-bit lanes. */
    private static final VectorSpecies<Short> HALF_WORDS = ShortVector.SPECIES_PREFERRED.withShape(S.vectorShape()).check(short.class);
    private static final short F16_SIGN = (short) 0x8000, F16_MAGNITUDE = 0x7FFF;

    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float SQRT_TWO_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    /** One function's loop over the whole vectors of a buffer, {@code [0, bound)}. */
    private interface ArrayLoop {
        void run(float[] x, float[] out, int bound);
    }

    /**
     * Each function's loop, by {@link UnaryFn#ordinal}, called through one site, where C2 inlines none
     * of them and compiles each alone: as the arms of one switch, the loops of the several functions a
     * program calls took C2 past its node limit, and BF16 exp, sigmoid and silu ran at 1.0-1.2 ns a
     * value, against 0.4 with one function hot (Zen 4, two threads, 2^20 values).
     */
    private static final ArrayLoop[] ARRAY_LOOPS = arrayLoops();

    @Override
    public void unary(UnaryFn fn, float[] x, float[] out, int n) {
        int bound = S.loopBound(n);
        ARRAY_LOOPS[fn.ordinal()].run(x, out, bound);
        ScalarElementwiseKernels.unary(fn, x, out, bound, n);
    }

    private static ArrayLoop[] arrayLoops() {
        ArrayLoop[] loops = new ArrayLoop[UnaryFn.values().length];
        for (UnaryFn fn : UnaryFn.values()) {
            loops[fn.ordinal()] = arrayLoop(fn);
        }
        return loops;
    }

    private static ArrayLoop arrayLoop(UnaryFn fn) {
        return switch (fn) {
            case NEG -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(NEG).intoArray(out, i);
                }
            };
            case ABS -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(ABS).intoArray(out, i);
                }
            };
            case EXP -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case LOG -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.log(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case SQRT -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(SQRT).intoArray(out, i);
                }
            };
            case RSQRT -> (x, out, bound) -> {
                FloatVector one = FloatVector.broadcast(S, 1);
                for (int i = 0; i < bound; i += L) {
                    one.div(FloatVector.fromArray(S, x, i).lanewise(SQRT)).intoArray(out, i);
                }
            };
            case TANH -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.tanh(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case SIGMOID -> (x, out, bound) -> {
                FloatVector one = FloatVector.broadcast(S, 1);
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    one.div(one.add(VectorMath.exp(v.neg()))).intoArray(out, i);
                }
            };
            case RELU -> (x, out, bound) -> {
                FloatVector zero = FloatVector.zero(S);
                for (int i = 0; i < bound; i += L) {
                    FloatVector.fromArray(S, x, i).lanewise(MAX, zero).intoArray(out, i);
                }
            };
            case GELU -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(0.5f).mul(onePlusErf(v.mul(SQRT_HALF))).intoArray(out, i);
                }
            };
            case GELU_TANH -> (x, out, bound) -> {
                // x/2 (1 + tanh(z)) as x / (1 + exp(-2z)): the same function without 1 + tanh's cancellation for z << 0.
                FloatVector one = FloatVector.broadcast(S, 1);
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector z = v.mul(v).mul(v).mul(0.044715f).add(v).mul(SQRT_TWO_OVER_PI);
                    v.div(one.add(VectorMath.exp(z.mul(-2f)))).intoArray(out, i);
                }
            };
            case SILU -> (x, out, bound) -> {
                FloatVector one = FloatVector.broadcast(S, 1);
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.div(one.add(VectorMath.exp(v.neg()))).intoArray(out, i);
                }
            };
            case SIN, COS -> (x, out, bound) -> trigonometric(fn, x, out, bound);
            case FLOOR -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.floor(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case CEIL -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.ceil(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case ROUND -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.round(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case SIGN -> (x, out, bound) -> {
                FloatVector one = FloatVector.broadcast(S, 1);
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.blend(one, v.compare(VectorOperators.GT, 0f)).blend(one.neg(), v.lt(0f)).intoArray(out, i);
                }
            };
            case RECIPROCAL -> (x, out, bound) -> {
                FloatVector one = FloatVector.broadcast(S, 1);
                for (int i = 0; i < bound; i += L) {
                    one.div(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case SQUARE -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.mul(v).intoArray(out, i);
                }
            };
            case ERF -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    erf(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case LOG1P -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.log1p(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            };
            case EXPM1 -> (x, out, bound) -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    VectorMath.expm1(v, VectorMath.exp(v)).intoArray(out, i);
                }
            };
        };
    }

    /**
     * sin or cos: {@link VectorMath}'s where every lane is within {@link VectorMath#TRIG_REACH}, lane by
     * lane in double for a vector with a lane beyond (or ±Inf, NaN), whose argument float reduction
     * would lose.
     */
    private static void trigonometric(UnaryFn fn, float[] x, float[] out, int bound) {
        for (int i = 0; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            if (v.lanewise(ABS).compare(VectorOperators.LE, VectorMath.TRIG_REACH).allTrue()) {
                (fn == UnaryFn.SIN ? VectorMath.sin(v) : VectorMath.cos(v)).intoArray(out, i);
            } else {
                ScalarElementwiseKernels.unary(fn, x, out, i, i + L);
            }
        }
    }

    /**
     * {@code 1 + erf(x)} from {@code erfc(|x|) = t exp(-x^2 + p(t))}, {@code t = 1 / (1 + |x| / 2)}, p of
     * degree 9 (the Chebyshev fit of Numerical Recipes' erfcc, relative error below 1.2e-7 everywhere,
     * so the tail keeps its digits); then {@code 1 + erf(x)} is {@code erfc(-x)} for x < 0, taken as it
     * is (no cancellation where GELU is small), and {@code 2 - erfc(x)} otherwise.
     */
    private static FloatVector onePlusErf(FloatVector x) {
        FloatVector ax = x.lanewise(ABS);
        FloatVector t = erfcT(ax);
        return onePlusErf(x, t, VectorMath.exp(erfcExponent(ax, t)));
    }

    /** Up to this |x|, {@link #erf} sums its series; beyond, it takes 1 - erfc, erfc there under a sixth of erf. */
    private static final float ERF_SERIES_REACH = 1f;
    /** From this |x| on, erf is +-1 in F32 (erfc(4) = 1.5e-8, under half an ulp of 1): clamped there, erfc's exponential stays normal. */
    private static final float ERF_SATURATED = 4f;
    /** {@code 2/sqrt(pi) (-1)^n / (n! (2n + 1))} at index n - 1, n = 1..10: erf's series in x^2 past its first term, times x^3. */
    private static final float[] ERF_SERIES = {-0.37612638903f, 0.11283791671f, -0.026866170645f, 0.0052239776254f,
        -8.5483270235e-4f, 1.2055332982e-4f, -1.4925650358e-5f, 1.6462114366e-6f, -1.6365844691e-7f, 1.4807192816e-8f};
    /** The first term's {@code 2/sqrt(pi)} as the sum of two floats: in one, its rounding alone is half an ulp of erf. */
    private static final float TWO_OVER_SQRT_PI_HIGH = 1.1283792f, TWO_OVER_SQRT_PI_LOW = -5.8635382e-8f;

    /**
     * erf(x): for |x| up to 1, its series {@code 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))} to n = 10
     * (the next term is below 1.3e-8 of erf); beyond, {@code sign(x) (1 - erfc(|x|))} with erfc as {@link
     * #onePlusErf} takes it (relative error below 1.2e-7). NaN stays NaN; +-Inf give +-1, +-0 themselves.
     */
    private static FloatVector erf(FloatVector x) {
        FloatVector ax = x.lanewise(ABS).lanewise(MIN, ERF_SATURATED);
        return erf(x, VectorMath.exp(erfcExponent(ax, erfcT(ax))));
    }

    /** {@link #erf} from the exponential of erfc's exponent at {@code min(|x|, ERF_SATURATED)}. */
    private static FloatVector erf(FloatVector x, FloatVector exponential) {
        FloatVector ax = x.lanewise(ABS).lanewise(MIN, ERF_SATURATED);
        FloatVector z = x.mul(x);
        FloatVector rest = FloatVector.broadcast(S, ERF_SERIES[9]);
        for (int n = 8; n >= 0; n--) {
            rest = rest.fma(z, FloatVector.broadcast(S, ERF_SERIES[n]));
        }
        FloatVector series = x.fma(FloatVector.broadcast(S, TWO_OVER_SQRT_PI_HIGH),
                x.fma(FloatVector.broadcast(S, TWO_OVER_SQRT_PI_LOW), x.mul(z).mul(rest))).blend(x, x.eq(0f)); // -0 + +0 would be +0
        FloatVector beyond = FloatVector.broadcast(S, 1).sub(erfcT(ax).mul(exponential));
        return series.blend(beyond.blend(beyond.neg(), x.lt(0)), ax.compare(GT, ERF_SERIES_REACH));
    }

    /** erfc's {@code t = 1 / (1 + |x| / 2)}, from {@code |x|}. */
    private static FloatVector erfcT(FloatVector ax) {
        return FloatVector.broadcast(S, 1).div(ax.fma(0.5f, 1f));
    }

    /** erfc's exponent, {@code -x^2 + p(t)}. */
    private static FloatVector erfcExponent(FloatVector ax, FloatVector t) {
        FloatVector p = t.fma(0.17087277f, -0.82215223f)
                .fma(t, FloatVector.broadcast(S, 1.48851587f))
                .fma(t, FloatVector.broadcast(S, -1.13520398f))
                .fma(t, FloatVector.broadcast(S, 0.27886807f))
                .fma(t, FloatVector.broadcast(S, -0.18628806f))
                .fma(t, FloatVector.broadcast(S, 0.09678418f))
                .fma(t, FloatVector.broadcast(S, 0.37409196f))
                .fma(t, FloatVector.broadcast(S, 1.00002368f))
                .fma(t, FloatVector.broadcast(S, -1.26551223f));
        return ax.neg().fma(ax, p);
    }

    /** {@code 1 + erf(x)} from erfc's t and the exponential of its exponent. */
    private static FloatVector onePlusErf(FloatVector x, FloatVector t, FloatVector exponential) {
        FloatVector erfc = t.mul(exponential);
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
            // Not the Vector API's POW: it gives other bits once C2 compiles it than before, and Java's NaN for 1^NaN.
            // Below 256 bits the half-width species is not compiled to vector instructions: lane by lane in double.
            case POW -> {
                if (L >= 8) {
                    pow(a, b, out, bound);
                } else {
                    ScalarElementwiseKernels.binary(fn, a, b, out, 0, bound);
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
            case EQ, NE, LT, LE, GT, GE -> compare(fn, a, b, out, bound);
            // In double lanes, as the reference divides; below 256 bits the half-width species is not compiled to vector instructions.
            case FLOOR_DIVIDE -> {
                if (L >= 8) {
                    floorDivide(a, b, out, bound);
                } else {
                    ScalarElementwiseKernels.binary(fn, a, b, out, 0, bound);
                }
            }
            case REMAINDER -> {
                if (L >= 8) {
                    remainder(a, b, out, bound);
                } else {
                    ScalarElementwiseKernels.binary(fn, a, b, out, 0, bound);
                }
            }
        }
        ScalarElementwiseKernels.binary(fn, a, b, out, bound, n);
    }

    /**
     * In double lanes ({@link VectorLongDivision}) at 512 bits, where AVX-512 converts between long and
     * double lanes; a vector with a lane beyond 2^52 of 0, and the last elements, a division each.
     */
    @Override
    public void divideIntegers(BinaryFn fn, long[] a, long[] b, long[] out, int n) {
        int bound = Simd.BITS == 512 ? VectorLongDivision.LONGS.loopBound(n) : 0, step = VectorLongDivision.LONGS.length();
        boolean remainder = fn == BinaryFn.REMAINDER;
        for (int i = 0; i < bound; i += step) {
            if (!VectorLongDivision.divide(remainder, LongVector.fromArray(VectorLongDivision.LONGS, a, i),
                    LongVector.fromArray(VectorLongDivision.LONGS, b, i), out, i)) {
                ScalarElementwiseKernels.divideIntegers(fn, a, b, out, i, i + step);
            }
        }
        ScalarElementwiseKernels.divideIntegers(fn, a, b, out, bound, n);
    }

    /** {@code out = floor(a / b)} over {@code [0, bound)}, {@link VectorFloorDivision}'s. */
    private static void floorDivide(float[] a, float[] b, float[] out, int bound) {
        for (int i = 0; i < bound; i += HALF.length()) {
            VectorFloorDivision.floorDivide(FloatVector.fromArray(HALF, a, i), FloatVector.fromArray(HALF, b, i)).intoArray(out, i);
        }
    }

    /**
     * {@code out = a - floor(a / b) b} over {@code [0, bound)}, {@link VectorFloorDivision}'s; a vector with
     * a lane it cannot take exactly (a quotient of 2^24 or more, an infinite divisor, a NaN) lane by lane.
     */
    private static void remainder(float[] a, float[] b, float[] out, int bound) {
        for (int i = 0; i < bound; i += HALF.length()) {
            if (!VectorFloorDivision.remainder(FloatVector.fromArray(HALF, a, i), FloatVector.fromArray(HALF, b, i), out, i)) {
                ScalarElementwiseKernels.binary(BinaryFn.REMAINDER, a, b, out, i, i + HALF.length());
            }
        }
    }

    /** Floats per chunk of {@link #pow}: its exponents in double are 2 KiB. */
    private static final int POW_CHUNK = 256;

    /**
     * {@link VectorPow}'s three loops over chunks of {@code [0, bound)}: {@code t = b log2|a|} into a
     * buffer of doubles, {@code 2^t} into out, then the sign and special cases. They are called through
     * one site, where C2 inlines none of them, as {@link #inPasses}'s are: in two loops it ran out of
     * nodes in the first and boxed its vectors (64 bytes allocated a value, 9 ns a value).
     */
    private static void pow(float[] a, float[] b, float[] out, int bound) {
        double[] exponents = new double[POW_CHUNK];
        for (int from = 0; from < bound; from += POW_CHUNK) {
            int to = Math.min(bound, from + POW_CHUNK);
            for (PowPass pass : POW_PASSES) {
                pass.run(a, b, out, exponents, from, to);
            }
        }
    }

    /** One of {@link #pow}'s loops over the chunk {@code [from, to)}, exponents[0] holding the chunk's first. */
    private interface PowPass {
        void run(float[] a, float[] b, float[] out, double[] exponents, int from, int to);
    }

    private static final PowPass[] POW_PASSES = {
        (a, b, out, exponents, from, to) -> {
            for (int i = from; i < to; i += HALF.length()) {
                VectorPow.exponent(FloatVector.fromArray(HALF, a, i), FloatVector.fromArray(HALF, b, i)).intoArray(exponents, i - from);
            }
        },
        (a, b, out, exponents, from, to) -> {
            for (int i = from; i < to; i += HALF.length()) {
                VectorPow.magnitude(DoubleVector.fromArray(DOUBLES, exponents, i - from)).intoArray(out, i);
            }
        },
        (a, b, out, exponents, from, to) -> {
            for (int i = from; i < to; i += HALF.length()) {
                FloatVector x = FloatVector.fromArray(HALF, a, i), y = FloatVector.fromArray(HALF, b, i);
                VectorPow.withSpecialCases(x, y, FloatVector.fromArray(HALF, out, i)).intoArray(out, i);
            }
        },
    };

    /*
     * A method per function and dtype: with the loops in one method, C2 left the third one's vectors
     * unintrinsified and boxed, several times slower ({@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    @Override
    public void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int n) {
        int bound = dtype == DType.F16 ? HALF_WORDS.loopBound(n) : S.loopBound(n);
        if (dtype == DType.BF16) {
            directUnaryBf16(fn, x, at, out, outAt, bound);
        } else if (dtype == DType.F16) {
            directUnaryF16(fn, x, at, out, outAt, bound);
        } else {
            directUnaryF32(fn, x, at, out, outAt, bound);
        }
        ScalarElementwiseKernels.directUnary(fn, dtype, x, at, out, outAt, bound, n);
    }

    private static void directUnaryF32(UnaryFn fn, MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        switch (fn) {
            case NEG -> neg(x, at, out, outAt, bound);
            case ABS -> abs(x, at, out, outAt, bound);
            case RELU -> relu(x, at, out, outAt, bound);
            case EXP -> exp(x, at, out, outAt, bound);
            case LOG -> log(x, at, out, outAt, bound);
            case LOG1P -> log1p(x, at, out, outAt, bound);
            case SIGMOID -> sigmoid(x, at, out, outAt, bound);
            case SILU -> silu(x, at, out, outAt, bound);
            case GELU -> inPasses(GELU_PASSES, x, at, out, outAt, bound);
            case ERF -> inPasses(ERF_PASSES, x, at, out, outAt, bound);
            case EXPM1 -> inPasses(EXPM1_PASSES, x, at, out, outAt, bound);
            case TANH -> inPasses(TANH_PASSES, x, at, out, outAt, bound);
            default -> throw new IllegalArgumentException(fn.apiName() + " is not a direct unary function");
        }
    }

    private static void directUnaryBf16(UnaryFn fn, MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        switch (fn) {
            case NEG -> negBf16(x, at, out, outAt, bound);
            case ABS -> absBf16(x, at, out, outAt, bound);
            case RELU -> reluBf16(x, at, out, outAt, bound);
            default -> throw new IllegalArgumentException(fn.apiName() + " is not a direct unary function");
        }
    }

    /**
     * NEG, ABS and RELU on F16's bits, 2L halves a vector: each result is an F16 value, so no widening is
     * needed, and each is the value that widening to F32, the function and rounding back give, a NaN
     * made quiet as widening makes it ({@link F16Lanes#quiet}).
     */
    private static void directUnaryF16(UnaryFn fn, MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        switch (fn) {
            case NEG -> negF16(x, at, out, outAt, bound);
            case ABS -> absF16(x, at, out, outAt, bound);
            case RELU -> reluF16(x, at, out, outAt, bound);
            default -> throw new IllegalArgumentException(fn.apiName() + " is not a direct unary function");
        }
    }

    /** -x: the sign flipped. */
    private static void negF16(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * HALF_WORDS.length()) {
            F16Lanes.quiet(ShortVector.fromMemorySegment(HALF_WORDS, exact(x), at + i, NATIVE)).lanewise(XOR, F16_SIGN)
                    .intoMemorySegment(exact(out), outAt + i, NATIVE);
        }
    }

    /** |x|: the sign cleared. */
    private static void absF16(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * HALF_WORDS.length()) {
            F16Lanes.quiet(ShortVector.fromMemorySegment(HALF_WORDS, exact(x), at + i, NATIVE)).and(F16_MAGNITUDE)
                    .intoMemorySegment(exact(out), outAt + i, NATIVE);
        }
    }

    /**
     * max(x, +0) as {@link Math#max} takes it: as 16-bit integers every finite or infinite F16 with its
     * sign set is below +0, -0 included, and the rest above it; a NaN stays NaN.
     */
    private static void reluF16(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * HALF_WORDS.length()) {
            ShortVector h = F16Lanes.quiet(ShortVector.fromMemorySegment(HALF_WORDS, exact(x), at + i, NATIVE));
            h.lanewise(MAX, (short) 0).blend(h, F16Lanes.isNaN(h)).intoMemorySegment(exact(out), outAt + i, NATIVE);
        }
    }

    private static void neg(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).lanewise(NEG).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void abs(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).lanewise(ABS).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void relu(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).lanewise(MAX, zero).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void exp(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            VectorMath.exp(load(x, at, i)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void log(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            VectorMath.log(load(x, at, i)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void log1p(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            VectorMath.log1p(load(x, at, i)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    /** {@code 1 / (1 + exp(-x))} */
    private static void sigmoid(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        FloatVector one = FloatVector.broadcast(S, 1);
        for (int i = 0; i < bound; i += L) {
            one.div(VectorMath.exp(load(x, at, i).neg()).add(1f)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    /** {@code x / (1 + exp(-x))} */
    private static void silu(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            FloatVector v = load(x, at, i);
            v.div(VectorMath.exp(v.neg()).add(1f)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    /** Floats per chunk of {@link #inPasses}: a chunk of x and of out stay in L1 across its three loops. */
    private static final int CHUNK = 1024;

    /**
     * GELU, {@code x/2 (1 + erf(x / sqrt 2))} as {@link #onePlusErf} computes it, or erf, in three loops
     * over chunks that stay in L1: erfc's exponent (at most 0) into out, out's exponentials ({@link
     * VectorMath#expOfNonPositive} in a loop of its own), then the result. In one loop, the polynomial
     * and the exponential took C2 past its node limit and ran 3x slower than with the library's EXP
     * (erf so boxed its vectors: 900 MB per 16M values, 63 ms against 10); the three are called
     * through one site, where C2 inlines none of them, for when it inlined the last two here it
     * reached its limit again and left the product loop's vectors boxed (3.5x slower), depending on
     * which it had compiled first.
     */
    private static void inPasses(Pass[] passes, MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int from = 0; from < bound; from += CHUNK) {
            int to = Math.min(bound, from + CHUNK);
            for (Pass pass : passes) {
                pass.run(x, at, out, outAt, from, to);
            }
        }
    }

    /** One of {@link #inPasses}'s loops over the chunk {@code [from, to)} of x and out. */
    private interface Pass {
        void run(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to);
    }

    private static final Pass[] GELU_PASSES = {
        VectorElementwiseKernels::erfcExponents,
        (x, at, out, outAt, from, to) -> expInPlace(out, outAt, from, to),
        VectorElementwiseKernels::geluOfExponentials,
    };

    private static final Pass[] ERF_PASSES = {
        VectorElementwiseKernels::erfErfcExponents,
        (x, at, out, outAt, from, to) -> expInPlace(out, outAt, from, to),
        VectorElementwiseKernels::erfOfExponentials,
    };

    /** tanh as {@link VectorMath#tanh}: exp(2|x|) into out, then tanh from it (in one loop it boxed: 400 MB per 16M values). */
    private static final Pass[] TANH_PASSES = {
        (x, at, out, outAt, from, to) -> {
            for (int i = from; i < to; i += L) {
                FloatVector ax = load(x, at, i).lanewise(ABS);
                VectorMath.exp(ax.add(ax)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
            }
        },
        (x, at, out, outAt, from, to) -> {
            for (int i = from; i < to; i += L) {
                VectorMath.tanh(load(x, at, i), load(out, outAt, i)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
            }
        },
    };

    /** expm1 as {@link VectorMath#expm1}: exp(x) into out, then its series or out - 1 (in one loop it boxed: 200 MB per 16M values). */
    private static final Pass[] EXPM1_PASSES = {
        (x, at, out, outAt, from, to) -> exp(x, at + 4L * from, out, outAt + 4L * from, to - from),
        (x, at, out, outAt, from, to) -> {
            for (int i = from; i < to; i += L) {
                VectorMath.expm1(load(x, at, i), load(out, outAt, i)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
            }
        },
    };

    /**
     * Beyond this |x / sqrt 2|, GELU takes erfc as 0: x for x > 0, -0 for x < 0 (the true value is
     * below 3e-36 in magnitude there). Its exponential, erfc and the product would be subnormal, and
     * every subnormal result costs a microcode assist: over a linear layer's outputs (|x| to 60),
     * GELU ran at 2.7 ns a value against 0.45 (issue 22).
     */
    private static final float ERFC_NEGLIGIBLE = 9f;

    /** erfc's exponent, 0 where {@link #ERFC_NEGLIGIBLE} makes erfc 0. */
    private static void erfcExponents(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector ax = load(x, at, i).mul(SQRT_HALF).lanewise(ABS);
            erfcExponent(ax, erfcT(ax)).blend(0f, ax.compare(GT, ERFC_NEGLIGIBLE)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    /** erfc's exponent at {@code min(|x|, ERF_SATURATED)}, for {@link #erf}'s values beyond its series. */
    private static void erfErfcExponents(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector ax = load(x, at, i).lanewise(ABS).lanewise(MIN, ERF_SATURATED);
            erfcExponent(ax, erfcT(ax)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void erfOfExponentials(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        for (int i = from; i < to; i += L) {
            erf(load(x, at, i), load(out, outAt, i)).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void expInPlace(MemorySegment x, long at, int from, int to) {
        for (int i = from; i < to; i += L) {
            VectorMath.expOfNonPositive(load(x, at, i)).intoMemorySegment(exact(x), at + 4L * i, NATIVE);
        }
    }

    private static void geluOfExponentials(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector v = load(x, at, i);
            FloatVector z = v.mul(SQRT_HALF), az = z.lanewise(ABS);
            FloatVector onePlusErf = onePlusErf(z, erfcT(az), load(out, outAt, i).blend(0f, az.compare(GT, ERFC_NEGLIGIBLE)));
            v.mul(0.5f).mul(onePlusErf).intoMemorySegment(exact(out), outAt + 4L * i, NATIVE);
        }
    }

    private static void negBf16(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(x, at + i).lanewise(NEG), out, outAt + i);
        }
    }

    private static void absBf16(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(x, at + i).lanewise(ABS), out, outAt + i);
        }
    }

    private static void reluBf16(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        FloatVector zero = FloatVector.zero(S);
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(x, at + i).lanewise(MAX, zero), out, outAt + i);
        }
    }

    @Override
    public void arithmetic(BinaryFn fn, DType dtype, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
            long outAt, int n) {
        if (dtype == DType.BF16) {
            arithmeticBf16(fn, a, aAt, b, bAt, out, outAt, n);
        } else if (dtype == DType.F16) {
            arithmeticF16(fn, a, aAt, b, bAt, out, outAt, n);
        } else {
            arithmeticF32(fn, a, aAt, b, bAt, out, outAt, n);
        }
    }

    private static void arithmeticF32(BinaryFn fn, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
            long outAt, int n) {
        int bound = S.loopBound(n);
        ByteOrder order = ByteOrder.nativeOrder();
        // A loop per function: the Vector API compiles a lane-wise op to instructions only when the op is a constant.
        switch (fn) {
            case ADD -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, exact(a), aAt + i, order).add(FloatVector.fromMemorySegment(S, exact(b), bAt + i, order))
                            .intoMemorySegment(exact(out), outAt + i, order);
                }
            }
            case SUB -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, exact(a), aAt + i, order).sub(FloatVector.fromMemorySegment(S, exact(b), bAt + i, order))
                            .intoMemorySegment(exact(out), outAt + i, order);
                }
            }
            case MUL -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, exact(a), aAt + i, order).mul(FloatVector.fromMemorySegment(S, exact(b), bAt + i, order))
                            .intoMemorySegment(exact(out), outAt + i, order);
                }
            }
            case DIV -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, exact(a), aAt + i, order).div(FloatVector.fromMemorySegment(S, exact(b), bAt + i, order))
                            .intoMemorySegment(exact(out), outAt + i, order);
                }
            }
            case MAXIMUM -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, exact(a), aAt + i, order).lanewise(MAX, FloatVector.fromMemorySegment(S, exact(b), bAt + i, order))
                            .intoMemorySegment(exact(out), outAt + i, order);
                }
            }
            case MINIMUM -> {
                for (long i = 0; i < 4L * bound; i += 4L * L) {
                    FloatVector.fromMemorySegment(S, exact(a), aAt + i, order).lanewise(MIN, FloatVector.fromMemorySegment(S, exact(b), bAt + i, order))
                            .intoMemorySegment(exact(out), outAt + i, order);
                }
            }
            default -> throw new IllegalArgumentException(fn.apiName() + " is not arithmetic");
        }
        ScalarElementwiseKernels.arithmetic(fn, DType.F32, a, aAt, b, bAt, out, outAt, bound, n);
    }

    /**
     * {@link #arithmetic} on BF16: L values at a time widened to F32, computed, rounded back to nearest
     * even. A method per function, as for {@link #directUnary}: with the loops in one method, C2 compiled
     * whichever ran second with boxed vectors, several times slower ({@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    private static void arithmeticBf16(BinaryFn fn, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
            long outAt, int n) {
        int bound = S.loopBound(n);
        switch (fn) {
            case ADD -> addBf16(a, aAt, b, bAt, out, outAt, bound);
            case SUB -> subBf16(a, aAt, b, bAt, out, outAt, bound);
            case MUL -> mulBf16(a, aAt, b, bAt, out, outAt, bound);
            case DIV -> divBf16(a, aAt, b, bAt, out, outAt, bound);
            case MAXIMUM -> maximumBf16(a, aAt, b, bAt, out, outAt, bound);
            case MINIMUM -> minimumBf16(a, aAt, b, bAt, out, outAt, bound);
            default -> throw new IllegalArgumentException(fn.apiName() + " is not arithmetic");
        }
        ScalarElementwiseKernels.arithmetic(fn, DType.BF16, a, aAt, b, bAt, out, outAt, bound, n);
    }

    private static void addBf16(MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(a, aAt + i).add(loadBf16(b, bAt + i)), out, outAt + i);
        }
    }

    private static void subBf16(MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(a, aAt + i).sub(loadBf16(b, bAt + i)), out, outAt + i);
        }
    }

    private static void mulBf16(MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(a, aAt + i).mul(loadBf16(b, bAt + i)), out, outAt + i);
        }
    }

    private static void divBf16(MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(a, aAt + i).div(loadBf16(b, bAt + i)), out, outAt + i);
        }
    }

    private static void maximumBf16(MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(a, aAt + i).lanewise(MAX, loadBf16(b, bAt + i)), out, outAt + i);
        }
    }

    private static void minimumBf16(MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt, int bound) {
        for (long i = 0; i < 2L * bound; i += 2L * L) {
            storeBf16(loadBf16(a, aAt + i).lanewise(MIN, loadBf16(b, bAt + i)), out, outAt + i);
        }
    }

    /** Values of F16 {@link #arithmetic} computed into F32 before they are rounded to F16 together. */
    private static final int F16_CHUNK = 1024;

    /**
     * {@link #arithmetic} on F16, a method per function as {@link #arithmeticBf16} has: a chunk at a
     * time, the operands widened in registers ({@link F16Lanes}) and the F32 results written to a
     * float chunk, then rounded to F16 by {@link FloatIO#narrowF16}'s loop, which C2 compiles to
     * vector conversions. Widening and rounding in registers in one loop took C2 past its inlining
     * limits: the loop boxed a vector an iteration (addF16 10.6 ms per 16M values, against 6.9
     * through F32 buffers and 2.9-3.1 so; {@code benchmarks/results/cpu/README.md}).
     */
    private static void arithmeticF16(BinaryFn fn, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
            long outAt, int n) {
        float[] results = new float[Math.min(n, F16_CHUNK)];
        for (int from = 0; from < n; from += F16_CHUNK) {
            int bound = S.loopBound(Math.min(F16_CHUNK, n - from));
            long at = 2L * from;
            switch (fn) {
                case ADD -> addF16(a, aAt + at, b, bAt + at, results, bound);
                case SUB -> subF16(a, aAt + at, b, bAt + at, results, bound);
                case MUL -> mulF16(a, aAt + at, b, bAt + at, results, bound);
                case DIV -> divF16(a, aAt + at, b, bAt + at, results, bound);
                case MAXIMUM -> maximumF16(a, aAt + at, b, bAt + at, results, bound);
                case MINIMUM -> minimumF16(a, aAt + at, b, bAt + at, results, bound);
                default -> throw new IllegalArgumentException(fn.apiName() + " is not arithmetic");
            }
            FloatIO.narrowF16(results, 0, bound, out, outAt + at);
            if (bound < F16_CHUNK) {
                ScalarElementwiseKernels.arithmetic(fn, DType.F16, a, aAt, b, bAt, out, outAt, from + bound, n);
                return;
            }
        }
    }

    private static void addF16(MemorySegment a, long aAt, MemorySegment b, long bAt, float[] results, int bound) {
        for (int i = 0; i < bound; i += L) {
            loadF16(a, aAt + 2L * i).add(loadF16(b, bAt + 2L * i)).intoArray(results, i);
        }
    }

    private static void subF16(MemorySegment a, long aAt, MemorySegment b, long bAt, float[] results, int bound) {
        for (int i = 0; i < bound; i += L) {
            loadF16(a, aAt + 2L * i).sub(loadF16(b, bAt + 2L * i)).intoArray(results, i);
        }
    }

    private static void mulF16(MemorySegment a, long aAt, MemorySegment b, long bAt, float[] results, int bound) {
        for (int i = 0; i < bound; i += L) {
            loadF16(a, aAt + 2L * i).mul(loadF16(b, bAt + 2L * i)).intoArray(results, i);
        }
    }

    private static void divF16(MemorySegment a, long aAt, MemorySegment b, long bAt, float[] results, int bound) {
        for (int i = 0; i < bound; i += L) {
            loadF16(a, aAt + 2L * i).div(loadF16(b, bAt + 2L * i)).intoArray(results, i);
        }
    }

    private static void maximumF16(MemorySegment a, long aAt, MemorySegment b, long bAt, float[] results, int bound) {
        for (int i = 0; i < bound; i += L) {
            loadF16(a, aAt + 2L * i).lanewise(MAX, loadF16(b, bAt + 2L * i)).intoArray(results, i);
        }
    }

    private static void minimumF16(MemorySegment a, long aAt, MemorySegment b, long bAt, float[] results, int bound) {
        for (int i = 0; i < bound; i += L) {
            loadF16(a, aAt + 2L * i).lanewise(MIN, loadF16(b, bAt + 2L * i)).intoArray(results, i);
        }
    }

    /**
     * {@code out = fn(a, b) ? 1 : 0} over {@code [0, bound)}, each comparison named by a constant where
     * it is called: the Vector API compiles a compare to one instruction only for an operator C2 sees
     * as a constant. With the operator a parameter, a JVM that compiled this method on its own (not
     * inlined into {@link #binary}) compared through the API's Java fallback for its whole life:
     * ElementwiseBench's eqBool ran 27-31 ms in such forks against 3.6-5.1 in the others, and 28 in
     * every fork with this method kept from inlining.
     */
    private static void compare(BinaryFn fn, float[] a, float[] b, float[] out, int bound) {
        FloatVector one = FloatVector.broadcast(S, 1);
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, i), y = FloatVector.fromArray(S, b, i);
            VectorMask<Float> m = switch (fn) {
                case EQ -> x.compare(VectorOperators.EQ, y);
                case NE -> x.compare(VectorOperators.NE, y);
                case LT -> x.compare(VectorOperators.LT, y);
                case LE -> x.compare(VectorOperators.LE, y);
                case GT -> x.compare(VectorOperators.GT, y);
                case GE -> x.compare(VectorOperators.GE, y);
                default -> throw new IllegalArgumentException(fn.apiName() + " is not a comparison");
            };
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
}
