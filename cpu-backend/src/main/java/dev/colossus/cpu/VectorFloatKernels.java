package dev.colossus.cpu;

import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.SQRT;

import dev.colossus.DType;
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
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatKernels} on the Vector API at {@link Simd#BITS}. Loops run whole vectors and hand the
 * remainder to {@link ScalarFloatKernels}; reductions keep one partial result per lane.
 *
 * <p>{@code exp}, {@code log} and {@code tanh} are {@link VectorMath}'s (about 1 ulp), not the Vector
 * API's, and sums over lanes fold in one fixed order ({@link #sumOfLanes}), not {@code reduceLanes}:
 * the Vector API's own give other bits once C2 has compiled a loop than before, and a result must not
 * depend on when the JIT got to it. Attention alone keeps them, for speed: its exponentials
 * ({@link #expShifted}: VectorMath's made causal prefill 1.55x slower, its compilation growing past
 * C2's limits) and decode's dot products ({@link #dots}). {@code pow} is taken lane by lane in double. {@code erfc} (for
 * GELU) is Numerical Recipes' erfcc fit, relative error below 1.2e-7.
 */
final class VectorFloatKernels implements FloatKernels {
    static final VectorSpecies<Float> S = switch (Simd.BITS) {
        case 128 -> FloatVector.SPECIES_128;
        case 256 -> FloatVector.SPECIES_256;
        default -> FloatVector.SPECIES_512;
    };
    private static final int L = S.length();
    /** Elements of a row that {@link #dots} and {@link #addProducts} take at a time: two vectors, L 32-bit words of BF16. */
    private static final int RUN = 2 * L;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ScalarFloatKernels SCALAR = new ScalarFloatKernels();
    /** Which element of a BF16 pair lies in the low half of its 32-bit word: the first on little-endian machines. */
    private static final int LOW_HALF = NATIVE == ByteOrder.LITTLE_ENDIAN ? 0 : 1;
    /** L shorts (BF16 inputs) and L ints of S's shape, to widen them. */
    static final VectorSpecies<Short> HALVES = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(S.vectorBitSize() / 2)).check(short.class);
    static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED.withShape(S.vectorShape()).check(int.class);

    /** Lane i takes lane i + d (mod L): the folds of {@link #sumOfLanes}, constants that C2 folds into its permutes. */
    private static final VectorShuffle<Float> BY_8 = shuffleBy(8), BY_4 = shuffleBy(4), BY_2 = shuffleBy(2);

    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float SQRT_TWO_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    /**
     * The sum of v's lanes, halves folded onto each other (lane i plus lane i + 8, then i + 4, then i +
     * 2, then lanes 0 and 1): one order whether or not C2 has compiled the caller. {@code
     * reduceLanes(ADD)} leaves the order to the implementation, and the Vector API's Java code (lane by
     * lane) and C2's intrinsic differ in 676 of 1000 random 16-lane sums on this machine: a result
     * changed in its last bits once its loop was compiled, and the same op twice gave different bits.
     * Only decode attention's dot products ({@link #dots}) keep {@code reduceLanes}: eight of these
     * folds a pair of keys made decode 1.7x slower.
     */
    private static float sumOfLanes(FloatVector v) {
        if (L > 8) {
            v = v.add(v.rearrange(BY_8));
        }
        if (L > 4) {
            v = v.add(v.rearrange(BY_4));
        }
        v = v.add(v.rearrange(BY_2));
        return v.lane(0) + v.lane(1);
    }

    private static VectorShuffle<Float> shuffleBy(int d) {
        return VectorShuffle.fromOp(S, i -> (i + d) % L);
    }

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
                    VectorMath.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            }
            case LOG -> {
                for (int i = 0; i < bound; i += L) {
                    VectorMath.log(FloatVector.fromArray(S, x, i)).intoArray(out, i);
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
                    VectorMath.tanh(FloatVector.fromArray(S, x, i)).intoArray(out, i);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    one.div(one.add(VectorMath.exp(v.neg()))).intoArray(out, i);
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
                    v.div(one.add(VectorMath.exp(z.mul(-2f)))).intoArray(out, i);
                }
            }
            case SILU -> {
                for (int i = 0; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.div(one.add(VectorMath.exp(v.neg()))).intoArray(out, i);
                }
            }
        }
        ScalarFloatKernels.unary(fn, x, out, bound, n);
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
            // Lane by lane in double, C99's special cases included: the Vector API's POW gives other bits once
            // C2 compiles it than before, and Java's NaN for 1^NaN in the interpreter.
            case POW -> ScalarFloatKernels.binary(fn, a, b, out, 0, bound);
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

    /*
     * A method per function and dtype: with the loops in one method, C2 left the third one's vectors
     * unintrinsified and boxed (ABS 7.9 ms per 16M floats against NEG's 1.7, whichever form it took).
     */
    @Override
    public void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int n) {
        int bound = S.loopBound(n);
        if (dtype == DType.BF16) {
            directUnaryBf16(fn, x, at, out, outAt, bound);
        } else {
            directUnaryF32(fn, x, at, out, outAt, bound);
        }
        ScalarFloatKernels.directUnary(fn, dtype, x, at, out, outAt, bound, n);
    }

    private static void directUnaryF32(UnaryFn fn, MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        switch (fn) {
            case NEG -> neg(x, at, out, outAt, bound);
            case ABS -> abs(x, at, out, outAt, bound);
            case RELU -> relu(x, at, out, outAt, bound);
            case EXP -> exp(x, at, out, outAt, bound);
            case SIGMOID -> sigmoid(x, at, out, outAt, bound);
            case SILU -> silu(x, at, out, outAt, bound);
            case GELU -> gelu(x, at, out, outAt, bound);
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

    private static void neg(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).lanewise(NEG).intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
    }

    private static void abs(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).lanewise(ABS).intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
    }

    private static void relu(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).lanewise(MAX, zero).intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
    }

    private static void exp(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            VectorMath.exp(load(x, at, i)).intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
    }

    /** {@code 1 / (1 + exp(-x))} */
    private static void sigmoid(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        FloatVector one = FloatVector.broadcast(S, 1);
        for (int i = 0; i < bound; i += L) {
            one.div(VectorMath.exp(load(x, at, i).neg()).add(1f)).intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
    }

    /** {@code x / (1 + exp(-x))} */
    private static void silu(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int i = 0; i < bound; i += L) {
            FloatVector v = load(x, at, i);
            v.div(VectorMath.exp(v.neg()).add(1f)).intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
    }

    /** Floats per chunk of {@link #gelu}: a chunk of x and of out stay in L1 across its three loops. */
    private static final int GELU_CHUNK = 1024;

    /**
     * {@code x/2 (1 + erf(x / sqrt 2))} as {@link #onePlusErf} computes it, in three loops over chunks
     * that stay in L1: erfc's exponent (at most 0) into out, out's exponentials ({@link
     * VectorMath#expOfNonPositive} in a loop of its own), then the product. In one loop, the polynomial
     * and the exponential took C2 past its node limit and ran 3x slower than with the library's EXP;
     * the three are called through one site ({@link #GELU_PASSES}), where C2 inlines none of them, for
     * when it inlined the last two here it reached its limit again and left the product loop's vectors
     * boxed (3.5x slower), depending on which it had compiled first.
     */
    private static void gelu(MemorySegment x, long at, MemorySegment out, long outAt, int bound) {
        for (int from = 0; from < bound; from += GELU_CHUNK) {
            int to = Math.min(bound, from + GELU_CHUNK);
            for (GeluPass pass : GELU_PASSES) {
                pass.run(x, at, out, outAt, from, to);
            }
        }
    }

    /** One of {@link #gelu}'s loops over the chunk {@code [from, to)} of x and out. */
    private interface GeluPass {
        void run(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to);
    }

    private static final GeluPass[] GELU_PASSES = {
        VectorFloatKernels::erfcExponents,
        (x, at, out, outAt, from, to) -> expInPlace(out, outAt, from, to),
        VectorFloatKernels::geluOfExponentials,
    };

    private static void erfcExponents(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector ax = load(x, at, i).mul(SQRT_HALF).lanewise(ABS);
            erfcExponent(ax, erfcT(ax)).intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
    }

    private static void expInPlace(MemorySegment x, long at, int from, int to) {
        for (int i = from; i < to; i += L) {
            VectorMath.expOfNonPositive(load(x, at, i)).intoMemorySegment(x, at + 4L * i, NATIVE);
        }
    }

    private static void geluOfExponentials(MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector v = load(x, at, i);
            FloatVector z = v.mul(SQRT_HALF);
            FloatVector onePlusErf = onePlusErf(z, erfcT(z.lanewise(ABS)), load(out, outAt, i));
            v.mul(0.5f).mul(onePlusErf).intoMemorySegment(out, outAt + 4L * i, NATIVE);
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
        ScalarFloatKernels.arithmetic(fn, DType.F32, a, aAt, b, bAt, out, outAt, bound, n);
    }

    /**
     * {@link #arithmetic} on BF16: L values at a time widened to F32, computed, rounded back to nearest
     * even. A method per function, as for {@link #directUnary}: with the loops in one method, C2 compiled
     * whichever ran second with boxed vectors (a BF16 add 1.2 ms per 16M values alone, 4.2 after a mul).
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
        ScalarFloatKernels.arithmetic(fn, DType.BF16, a, aAt, b, bAt, out, outAt, bound, n);
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
        float s = sumOfLanes(acc0.add(acc1).add(acc2.add(acc3)));
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
        float s = sumOfLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            float d = x[off + i] - mean;
            s += d * d;
        }
        return s;
    }

    @Override
    public float squaredDeviations(float[] x, int off, int n, float mean, float[] linear) {
        int bound = S.loopBound(n);
        FloatVector squares0 = FloatVector.zero(S), squares1 = squares0, sum0 = squares0, sum1 = squares0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 2 * L <= bound; i += 2 * L) {
            FloatVector d0 = FloatVector.fromArray(S, x, off + i).sub(m);
            FloatVector d1 = FloatVector.fromArray(S, x, off + i + L).sub(m);
            squares0 = d0.fma(d0, squares0);
            squares1 = d1.fma(d1, squares1);
            sum0 = sum0.add(d0);
            sum1 = sum1.add(d1);
        }
        for (; i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + i).sub(m);
            squares0 = d.fma(d, squares0);
            sum0 = sum0.add(d);
        }
        float squares = sumOfLanes(squares0.add(squares1)) + SCALAR.squaredDeviations(x, off + i, n - i, mean, linear);
        linear[0] += sumOfLanes(sum0.add(sum1));
        return squares;
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

    /**
     * Four rows of q against two keys at a time: each run of a key is loaded once for the four rows.
     * Its eight horizontal sums a pair of keys are the Vector API's {@code reduceLanes}, the one place
     * left whose order differs before and after C2 compiles it (see {@link #sumOfLanes}): decode
     * attention's scores may move in their last bit while the kernel is being compiled.
     */
    @Override
    public void dots(float[] q, int rows, int d, MemorySegment k, long at, long rowBytes, DType dtype, int keys, float[] out) {
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int q0 = r * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
            int j = 0;
            // Eight independent chains of fused multiply-adds: rows r..r+3 against keys j and j+1.
            for (; j + 2 <= keys; j += 2) {
                long kj = at + j * rowBytes, kl = kj + rowBytes;
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                for (int i = 0; i < runs; i += RUN) {
                    long x = kj + (long) width * i, y = kl + (long) width * i;
                    FloatVector x0 = first(k, x, shift), x1 = second(k, x + offset, mask);
                    FloatVector y0 = first(k, y, shift), y1 = second(k, y + offset, mask);
                    FloatVector a0 = FloatVector.fromArray(S, q, q0 + i), b0 = FloatVector.fromArray(S, q, q0 + i + L);
                    FloatVector a1 = FloatVector.fromArray(S, q, q1 + i), b1 = FloatVector.fromArray(S, q, q1 + i + L);
                    FloatVector a2 = FloatVector.fromArray(S, q, q2 + i), b2 = FloatVector.fromArray(S, q, q2 + i + L);
                    FloatVector a3 = FloatVector.fromArray(S, q, q3 + i), b3 = FloatVector.fromArray(S, q, q3 + i + L);
                    s0 = b0.fma(x1, a0.fma(x0, s0));
                    s1 = b1.fma(x1, a1.fma(x0, s1));
                    s2 = b2.fma(x1, a2.fma(x0, s2));
                    s3 = b3.fma(x1, a3.fma(x0, s3));
                    u0 = b0.fma(y1, a0.fma(y0, u0));
                    u1 = b1.fma(y1, a1.fma(y0, u1));
                    u2 = b2.fma(y1, a2.fma(y0, u2));
                    u3 = b3.fma(y1, a3.fma(y0, u3));
                }
                out[r * keys + j] = s0.reduceLanes(ADD);
                out[(r + 1) * keys + j] = s1.reduceLanes(ADD);
                out[(r + 2) * keys + j] = s2.reduceLanes(ADD);
                out[(r + 3) * keys + j] = s3.reduceLanes(ADD);
                out[r * keys + j + 1] = u0.reduceLanes(ADD);
                out[(r + 1) * keys + j + 1] = u1.reduceLanes(ADD);
                out[(r + 2) * keys + j + 1] = u2.reduceLanes(ADD);
                out[(r + 3) * keys + j + 1] = u3.reduceLanes(ADD);
            }
            for (int row = r; row < r + 4 && runs < d; row++) {
                for (int key = 0; key < j; key++) {
                    out[row * keys + key] += tail(q, row * d, d, runs, k, at + key * rowBytes, dtype);
                }
            }
            for (; j < keys; j++) {
                for (int row = r; row < r + 4; row++) {
                    out[row * keys + j] = dot(q, row * d, d, k, at + j * rowBytes, dtype);
                }
            }
        }
        for (; r < rows; r++) {
            for (int j = 0; j < keys; j++) {
                out[r * keys + j] = dot(q, r * d, d, k, at + j * rowBytes, dtype);
            }
        }
    }

    /** {@code sum_i q[off + i] * k[i]}, k the row at byte {@code row}. */
    private static float dot(float[] q, int off, int d, MemorySegment k, long row, DType dtype) {
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        FloatVector s = FloatVector.zero(S);
        for (int i = 0; i < runs; i += RUN) {
            long x = row + (long) width * i;
            s = FloatVector.fromArray(S, q, off + i + L).fma(second(k, x + offset, mask), FloatVector.fromArray(S, q, off + i).fma(first(k, x, shift), s));
        }
        return s.reduceLanes(ADD) + tail(q, off, d, runs, k, row, dtype);
    }

    /** {@code sum_{from <= i < d} q[off + i] * k[i]}: the elements after the last whole run, in natural order. */
    private static float tail(float[] q, int off, int d, int from, MemorySegment k, long row, DType dtype) {
        float s = 0;
        for (int i = from; i < d; i++) {
            s += q[off + i] * ScalarFloatKernels.element(k, row, i, dtype);
        }
        return s;
    }

    /**
     * Four rows at a time (then two), four vectors of columns at a time, keys innermost: the 16
     * accumulators stay in registers across the keys, each key's columns are read in order, and each
     * value row is loaded and widened once for the four rows of a GQA group of 4 (decode, BF16, Hq 32,
     * Hkv 8: 53 GB/s at 1024 keys, in cache, against 48.6 two rows at a time; 41-43 against 33-36 at 8192).
     */
    @Override
    public void addProducts(float[] p, int rows, int keys, MemorySegment v, long at, long rowBytes, DType dtype, int d, float[] out) {
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int p0 = r * keys, p1 = p0 + keys, p2 = p1 + keys, p3 = p2 + keys, o0 = r * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
            int c = 0;
            for (; c + 2 * RUN <= runs; c += 2 * RUN) {
                FloatVector a0 = FloatVector.fromArray(S, out, o0 + c), a1 = FloatVector.fromArray(S, out, o0 + c + L);
                FloatVector a2 = FloatVector.fromArray(S, out, o0 + c + 2 * L), a3 = FloatVector.fromArray(S, out, o0 + c + 3 * L);
                FloatVector b0 = FloatVector.fromArray(S, out, o1 + c), b1 = FloatVector.fromArray(S, out, o1 + c + L);
                FloatVector b2 = FloatVector.fromArray(S, out, o1 + c + 2 * L), b3 = FloatVector.fromArray(S, out, o1 + c + 3 * L);
                FloatVector e0 = FloatVector.fromArray(S, out, o2 + c), e1 = FloatVector.fromArray(S, out, o2 + c + L);
                FloatVector e2 = FloatVector.fromArray(S, out, o2 + c + 2 * L), e3 = FloatVector.fromArray(S, out, o2 + c + 3 * L);
                FloatVector f0 = FloatVector.fromArray(S, out, o3 + c), f1 = FloatVector.fromArray(S, out, o3 + c + L);
                FloatVector f2 = FloatVector.fromArray(S, out, o3 + c + 2 * L), f3 = FloatVector.fromArray(S, out, o3 + c + 3 * L);
                for (int j = 0; j < keys; j++) {
                    long x = at + j * rowBytes + (long) width * c, y = x + (long) width * RUN;
                    FloatVector x0 = first(v, x, shift), x1 = second(v, x + offset, mask);
                    FloatVector y0 = first(v, y, shift), y1 = second(v, y + offset, mask);
                    FloatVector w0 = FloatVector.broadcast(S, p[p0 + j]), w1 = FloatVector.broadcast(S, p[p1 + j]);
                    FloatVector w2 = FloatVector.broadcast(S, p[p2 + j]), w3 = FloatVector.broadcast(S, p[p3 + j]);
                    a0 = x0.fma(w0, a0);
                    a1 = x1.fma(w0, a1);
                    a2 = y0.fma(w0, a2);
                    a3 = y1.fma(w0, a3);
                    b0 = x0.fma(w1, b0);
                    b1 = x1.fma(w1, b1);
                    b2 = y0.fma(w1, b2);
                    b3 = y1.fma(w1, b3);
                    e0 = x0.fma(w2, e0);
                    e1 = x1.fma(w2, e1);
                    e2 = y0.fma(w2, e2);
                    e3 = y1.fma(w2, e3);
                    f0 = x0.fma(w3, f0);
                    f1 = x1.fma(w3, f1);
                    f2 = y0.fma(w3, f2);
                    f3 = y1.fma(w3, f3);
                }
                a0.intoArray(out, o0 + c);
                a1.intoArray(out, o0 + c + L);
                a2.intoArray(out, o0 + c + 2 * L);
                a3.intoArray(out, o0 + c + 3 * L);
                b0.intoArray(out, o1 + c);
                b1.intoArray(out, o1 + c + L);
                b2.intoArray(out, o1 + c + 2 * L);
                b3.intoArray(out, o1 + c + 3 * L);
                e0.intoArray(out, o2 + c);
                e1.intoArray(out, o2 + c + L);
                e2.intoArray(out, o2 + c + 2 * L);
                e3.intoArray(out, o2 + c + 3 * L);
                f0.intoArray(out, o3 + c);
                f1.intoArray(out, o3 + c + L);
                f2.intoArray(out, o3 + c + 2 * L);
                f3.intoArray(out, o3 + c + 3 * L);
            }
            addProducts(p, r, 4, keys, v, at, rowBytes, dtype, d, c, out);
        }
        for (; r + 2 <= rows; r += 2) {
            int p0 = r * keys, p1 = p0 + keys, o0 = r * d, o1 = o0 + d;
            int c = 0;
            for (; c + 2 * RUN <= runs; c += 2 * RUN) {
                FloatVector a0 = FloatVector.fromArray(S, out, o0 + c), a1 = FloatVector.fromArray(S, out, o0 + c + L);
                FloatVector a2 = FloatVector.fromArray(S, out, o0 + c + 2 * L), a3 = FloatVector.fromArray(S, out, o0 + c + 3 * L);
                FloatVector b0 = FloatVector.fromArray(S, out, o1 + c), b1 = FloatVector.fromArray(S, out, o1 + c + L);
                FloatVector b2 = FloatVector.fromArray(S, out, o1 + c + 2 * L), b3 = FloatVector.fromArray(S, out, o1 + c + 3 * L);
                for (int j = 0; j < keys; j++) {
                    long x = at + j * rowBytes + (long) width * c, y = x + (long) width * RUN;
                    FloatVector x0 = first(v, x, shift), x1 = second(v, x + offset, mask);
                    FloatVector y0 = first(v, y, shift), y1 = second(v, y + offset, mask);
                    FloatVector w0 = FloatVector.broadcast(S, p[p0 + j]), w1 = FloatVector.broadcast(S, p[p1 + j]);
                    a0 = x0.fma(w0, a0);
                    a1 = x1.fma(w0, a1);
                    a2 = y0.fma(w0, a2);
                    a3 = y1.fma(w0, a3);
                    b0 = x0.fma(w1, b0);
                    b1 = x1.fma(w1, b1);
                    b2 = y0.fma(w1, b2);
                    b3 = y1.fma(w1, b3);
                }
                a0.intoArray(out, o0 + c);
                a1.intoArray(out, o0 + c + L);
                a2.intoArray(out, o0 + c + 2 * L);
                a3.intoArray(out, o0 + c + 3 * L);
                b0.intoArray(out, o1 + c);
                b1.intoArray(out, o1 + c + L);
                b2.intoArray(out, o1 + c + 2 * L);
                b3.intoArray(out, o1 + c + 3 * L);
            }
            addProducts(p, r, 2, keys, v, at, rowBytes, dtype, d, c, out);
        }
        addProducts(p, r, rows - r, keys, v, at, rowBytes, dtype, d, 0, out);
    }

    /** {@link #addProducts} for rows {@code [r0, r0 + n)} and the columns from {@code from}: a run at a time, then one at a time. */
    private static void addProducts(float[] p, int r0, int n, int keys, MemorySegment v, long at, long rowBytes, DType dtype, int d,
            int from, float[] out) {
        int width = dtype.byteSize(), runs = d - d % RUN, shift = shift(dtype), mask = mask(dtype);
        long offset = offset(dtype);
        for (int r = r0; r < r0 + n; r++) {
            int o = r * d;
            for (int c = from; c < runs; c += RUN) {
                FloatVector a0 = FloatVector.fromArray(S, out, o + c), a1 = FloatVector.fromArray(S, out, o + c + L);
                for (int j = 0; j < keys; j++) {
                    long x = at + j * rowBytes + (long) width * c;
                    FloatVector w = FloatVector.broadcast(S, p[r * keys + j]);
                    a0 = first(v, x, shift).fma(w, a0);
                    a1 = second(v, x + offset, mask).fma(w, a1);
                }
                a0.intoArray(out, o + c);
                a1.intoArray(out, o + c + L);
            }
            for (int c = Math.max(from, runs); c < d; c++) {
                float s = out[o + c];
                for (int j = 0; j < keys; j++) {
                    s += p[r * keys + j] * ScalarFloatKernels.element(v, at + j * rowBytes, c, dtype);
                }
                out[o + c] = s;
            }
        }
    }

    /*
     * A run of a row is two vectors, both read as 32-bit words: first = words(at) << shift, second =
     * words(at + offset) & mask. F32 (shift 0, offset L words, mask all ones): its first and last L
     * elements. BF16 (shift 16, offset 0, mask 0xFFFF0000): the low and the high halves of its L words,
     * widened. One loop serves both without a branch, whose profile could keep C2 from inlining the
     * other format's loads (a call that is not inlined boxes its vector).
     */
    private static int shift(DType dtype) {
        return dtype == DType.BF16 ? 16 : 0;
    }

    private static long offset(DType dtype) {
        return dtype == DType.BF16 ? 0 : 4L * L;
    }

    private static int mask(DType dtype) {
        return dtype == DType.BF16 ? 0xFFFF0000 : -1;
    }

    private static FloatVector first(MemorySegment m, long at, int shift) {
        return IntVector.fromMemorySegment(INTS, m, at, NATIVE).lanewise(VectorOperators.LSHL, shift).reinterpretAsFloats();
    }

    private static FloatVector second(MemorySegment m, long at, int mask) {
        return IntVector.fromMemorySegment(INTS, m, at, NATIVE).and(mask).reinterpretAsFloats();
    }

    /** Within each run, the elements in the low halves of the words first (the even ones where the low half comes first in memory). */
    @Override
    public void toPairOrder(float[] x, int off, int n) {
        float[] run = new float[RUN];
        for (int i = off; i + RUN <= off + n; i += RUN) {
            System.arraycopy(x, i, run, 0, RUN);
            for (int t = 0; t < L; t++) {
                x[i + t] = run[2 * t + LOW_HALF];
                x[i + L + t] = run[2 * t + 1 - LOW_HALF];
            }
        }
    }

    @Override
    public void fromPairOrder(float[] x, int off, int n) {
        float[] run = new float[RUN];
        for (int i = off; i + RUN <= off + n; i += RUN) {
            System.arraycopy(x, i, run, 0, RUN);
            for (int t = 0; t < L; t++) {
                x[i + 2 * t + LOW_HALF] = run[t];
                x[i + 2 * t + 1 - LOW_HALF] = run[L + t];
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

    /**
     * The online softmax's exponentials in attention: the Vector API's {@code EXP}, whose bits differ
     * before and after C2 compiles it, since {@link VectorMath#expOfNonPositive} inlined into the
     * attention kernels' compilation made causal prefill 1.55x slower (164 against 106 ms, B1 H16
     * L2048 D128): attention's results may move in their last bit while it is being compiled.
     */
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
        float s = sumOfLanes(acc);
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
    public float sum(MemorySegment x, long at, int n) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.add(load(x, at, i));
            acc1 = acc1.add(load(x, at, i + L));
            acc2 = acc2.add(load(x, at, i + 2 * L));
            acc3 = acc3.add(load(x, at, i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.add(load(x, at, i));
        }
        return sumOfLanes(acc0.add(acc1).add(acc2.add(acc3))) + SCALAR.sum(x, at + 4L * i, n - i);
    }

    @Override
    public float squaredDeviations(MemorySegment x, long at, int n, float mean) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            FloatVector d0 = load(x, at, i).sub(m), d1 = load(x, at, i + L).sub(m);
            FloatVector d2 = load(x, at, i + 2 * L).sub(m), d3 = load(x, at, i + 3 * L).sub(m);
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        for (; i < bound; i += L) {
            FloatVector d = load(x, at, i).sub(m);
            acc0 = d.fma(d, acc0);
        }
        return sumOfLanes(acc0.add(acc1).add(acc2.add(acc3))) + SCALAR.squaredDeviations(x, at + 4L * i, n - i, mean);
    }

    @Override
    public float squaredDeviations(MemorySegment x, long at, int n, float mean, float[] linear) {
        int bound = S.loopBound(n);
        FloatVector squares0 = FloatVector.zero(S), squares1 = squares0, sum0 = squares0, sum1 = squares0;
        FloatVector m = FloatVector.broadcast(S, mean);
        int i = 0;
        for (; i + 2 * L <= bound; i += 2 * L) {
            FloatVector d0 = load(x, at, i).sub(m), d1 = load(x, at, i + L).sub(m);
            squares0 = d0.fma(d0, squares0);
            squares1 = d1.fma(d1, squares1);
            sum0 = sum0.add(d0);
            sum1 = sum1.add(d1);
        }
        for (; i < bound; i += L) {
            FloatVector d = load(x, at, i).sub(m);
            squares0 = d.fma(d, squares0);
            sum0 = sum0.add(d);
        }
        float squares = sumOfLanes(squares0.add(squares1)) + SCALAR.squaredDeviations(x, at + 4L * i, n - i, mean, linear);
        linear[0] += sumOfLanes(sum0.add(sum1));
        return squares;
    }

    @Override
    public float max(MemorySegment x, long at, int n) {
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int i = 0;
        for (; i + 4 * L <= bound; i += 4 * L) {
            acc0 = acc0.lanewise(MAX, load(x, at, i));
            acc1 = acc1.lanewise(MAX, load(x, at, i + L));
            acc2 = acc2.lanewise(MAX, load(x, at, i + 2 * L));
            acc3 = acc3.lanewise(MAX, load(x, at, i + 3 * L));
        }
        for (; i < bound; i += L) {
            acc0 = acc0.lanewise(MAX, load(x, at, i));
        }
        float m = acc0.lanewise(MAX, acc1).lanewise(MAX, acc2.lanewise(MAX, acc3)).reduceLanes(MAX);
        return Math.max(m, SCALAR.max(x, at + 4L * i, n - i));
    }

    /** Softmax's exponentials: {@link VectorMath#expOfNonPositive}, a loop of its own (see there). */
    @Override
    public float expShiftedNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next,
            float[] nextMax) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < bound; i += L) {
            max = runningMax(max, load(x, next, i));
            FloatVector e = VectorMath.expOfNonPositive(load(x, at, i).sub(shift));
            e.intoMemorySegment(out, outAt + 4L * i, NATIVE);
            acc = acc.add(e);
        }
        nextMax[0] = Math.max(max.reduceLanes(MAX), SCALAR.max(x, next + 4L * bound, n - bound));
        return sumOfLanes(acc) + ScalarFloatKernels.expShifted(x, at, out, outAt, bound, n, shift);
    }

    @Override
    public float shiftExpSumNextMax(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, long next,
            float[] nextMax) {
        int bound = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < bound; i += L) {
            max = runningMax(max, load(x, next, i));
            FloatVector d = load(x, at, i).sub(shift);
            d.intoMemorySegment(out, outAt + 4L * i, NATIVE);
            acc = acc.add(VectorMath.expOfNonPositive(d));
        }
        nextMax[0] = Math.max(max.reduceLanes(MAX), SCALAR.max(x, next + 4L * bound, n - bound));
        return sumOfLanes(acc) + ScalarFloatKernels.shiftExpSum(x, at, out, outAt, bound, n, shift);
    }

    @Override
    public void scale(MemorySegment x, long at, int n, float alpha) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            load(x, at, i).mul(alpha).intoMemorySegment(x, at + 4L * i, NATIVE);
        }
        SCALAR.scale(x, at + 4L * bound, n - bound, alpha);
    }

    @Override
    public void normalize(MemorySegment x, long at, MemorySegment out, long outAt, int n, float shift, float factor, float[] weight,
            float[] bias) {
        int bound = S.loopBound(n);
        for (int i = 0; i < bound; i += L) {
            FloatVector y = load(x, at, i).sub(shift).mul(factor);
            if (weight != null) {
                y = y.mul(FloatVector.fromArray(S, weight, i));
            }
            if (bias != null) {
                y = y.add(FloatVector.fromArray(S, bias, i));
            }
            y.intoMemorySegment(out, outAt + 4L * i, NATIVE);
        }
        ScalarFloatKernels.normalize(x, at, out, outAt, bound, n, shift, factor, weight, bias);
    }

    /**
     * {@code max(max, v)} lanewise by a compare and a blend, where Java's max (NaN and signed-zero
     * rules) takes six instructions: for softmax's next-row max, which a NaN need not enter, since the
     * NaN's own exponential makes the row's sum NaN.
     */
    private static FloatVector runningMax(FloatVector max, FloatVector v) {
        return max.blend(v, v.compare(VectorOperators.GT, max));
    }

    /** The L F32 values from element i of the row at byte at. */
    private static FloatVector load(MemorySegment x, long at, int i) {
        return FloatVector.fromMemorySegment(S, x, at + 4L * i, NATIVE);
    }

    @Override
    public void widenBf16(MemorySegment src, long at, float[] dst, int dstOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            loadBf16(src, at + 2L * i).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.intBitsToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i) << 16);
        }
    }

    @Override
    public void narrowBf16(float[] src, int srcOff, MemorySegment dst, long at, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            storeBf16(FloatVector.fromArray(S, src, srcOff + i), dst, at + 2L * i);
        }
        for (; i < n; i++) {
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Elements.floatToBf16(src[srcOff + i]));
        }
    }

    /** The L BF16 values at byte {@code at}, widened to F32 (exact: BF16 is F32's upper half). */
    private static FloatVector loadBf16(MemorySegment m, long at) {
        ShortVector halves = ShortVector.fromMemorySegment(HALVES, m, at, NATIVE);
        return ((IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /**
     * v rounded to BF16 at byte {@code at}, as {@code Elements.floatToBf16} rounds: to nearest even
     * (add 0x7FFF plus the lowest kept bit, keep the upper half), NaN quietened.
     */
    private static void storeBf16(FloatVector v, MemorySegment m, long at) {
        IntVector bits = v.reinterpretAsInts();
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF)
                .lanewise(VectorOperators.LSHR, 16);
        IntVector quiet = bits.lanewise(VectorOperators.LSHR, 16).or(0x0040);
        IntVector result = rounded.blend(quiet, v.test(VectorOperators.IS_NAN).cast(INTS));
        ((ShortVector) result.convertShape(VectorOperators.I2S, HALVES, 0)).intoMemorySegment(m, at, NATIVE);
    }
}
