package dev.colossus.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.cpu.elementwise.ElementwiseKernels;
import dev.colossus.cpu.norm.NormKernels;
import dev.colossus.DType;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import dev.colossus.reference.ReferenceMath;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BiConsumer;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The error bound of each transcendental function of the vector kernels, against the reference's
 * definition in double over 2^20 evenly spaced inputs across the range where the function varies
 * (and past it). Errors are in ulps of the rounded true value, where the true value is at least
 * {@code floor}; below it, absolutely (relative error means little where the function crosses 0, or
 * in the subnormals). Measured worst: EXP, LOG and TANH on {@link VectorMath} (see its tests below);
 * softmax's exponentials
 * ({@link VectorMath#expOfNonPositive}) and the direct exp ({@link VectorMath#exp}) 1.005 ulp at
 * -59.94; GELU 233 ulp at -11.76, in its tail down to the subnormals, where erfc(z) = t exp(-z^2 +
 * p(t)) takes z^2 = 69 rounded to F32 (an absolute error of 4e-6 in the exponent; with Abramowitz
 * and Stegun's erf, bounded only absolutely, it was 0.7% off at -7); GELU_TANH 34 ulp at -4.56, the
 * conditioning of x / (1 + exp(-2z)) where the value is 1e-5 (as 1 + tanh(z) it was 600000 ulp).
 */
class VectorMathAccuracyTest {
    @BeforeAll
    static void needsTheVectorPath() {
        assumeTrue(Simd.BITS > 0, "the Vector API is off here");
    }

    /** {@code kernel} from x to y, each copied through native memory: the vector kernels read and write no other. */
    private static void betweenNative(float[] x, float[] y, BiConsumer<MemorySegment, MemorySegment> kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment out = arena.allocate(ValueLayout.JAVA_FLOAT, y.length);
            kernel.accept(in, out);
            MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, y, 0, y.length);
        }
    }

    @ParameterizedTest(name = "{0} over [{1}, {2}]: within {3} ulp, or {4} absolute below {5}")
    @CsvSource({
        "EXP,       -103.9, 88.7, 1.01, 0,     0",
        "LOG,       0.001,  1000, 2,   1e-7,   1e-6",
        "TANH,      -12,    12,   2,   1e-7,   1e-6",
        "SIGMOID,   -100,   100,  3,   1e-38,  1.2e-38",
        "SILU,      -100,   100,  3,   1e-7,   1e-6",
        "GELU,      -12,    12,   256, 1e-44,  1.2e-38",
        "GELU_TANH, -12,    12,   48,  1e-7,   1e-6",
        "ERF,       -6,     6,    1.5, 0,      0",
        "LOG1P,     -0.999, 1000, 2.5, 0,      0",
        "LOG1P,     -0.01,  0.01, 2.5, 0,      0",
        "EXPM1,     -20,    88.7, 2,   0,      0",
        "EXPM1,     -0.01,  0.01, 1,   0,      0",
    })
    void withinItsBound(UnaryFn fn, double from, double to, double ulps, double absolute, double floor) {
        float[] x = evenlySpaced(from, to);
        float[] y = new float[x.length];
        ElementwiseKernels.instance().unary(fn, x, y, x.length);
        assertWithinBound(fn, x, y, ulps, absolute, floor);
    }

    /** The functions computed straight between memory ({@link ElementwiseKernels#directUnary}), on {@link VectorMath#exp}. */
    @ParameterizedTest(name = "direct {0} over [{1}, {2}]: within {3} ulp, or {4} absolute below {5}")
    @CsvSource({
        "EXP,       -103.9, 88.7, 1.01, 0,     0",
        "SIGMOID,   -100,   100,  3,    1e-38, 1.2e-38",
        "SILU,      -100,   100,  3,    1e-7,  1e-6",
        "GELU,      -12,    12,   256,  1e-44, 1.2e-38",
        "ERF,       -6,     6,    1.5,  0,     0",
        "EXPM1,     -20,    88.7, 2,    0,     0",
        "TANH,      -12,    12,   2,    1e-7,  1e-6",
        "LOG,       0.001,  1000, 2,    1e-7,  1e-6",
        "LOG1P,     -0.999, 1000, 2.5,  0,     0",
    })
    void directWithinItsBound(UnaryFn fn, double from, double to, double ulps, double absolute, double floor) {
        float[] x = evenlySpaced(from, to);
        float[] y = new float[x.length];
        betweenNative(x, y, (in, out) -> ElementwiseKernels.instance().directUnary(fn, DType.F32, in, 0, out, 0, x.length));
        assertWithinBound(fn, x, y, ulps, absolute, floor);
    }

    private static float[] evenlySpaced(double from, double to) {
        int n = 1 << 20;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (from + (to - from) * i / (n - 1));
        }
        return x;
    }

    private static void assertWithinBound(UnaryFn fn, float[] x, float[] y, double ulps, double absolute, double floor) {
        int n = x.length;
        double worst = 0;
        float at = 0;
        for (int i = 0; i < n; i++) {
            double truth = ReferenceMath.unary(fn, x[i]);
            double error = Math.abs(truth) >= floor
                    ? Math.abs(y[i] - truth) / Math.max(Math.ulp((float) truth), Float.MIN_VALUE) / ulps
                    : Math.abs(y[i] - truth) / absolute;
            if (error > worst || Double.isNaN(error)) {
                worst = Double.isNaN(error) ? Double.POSITIVE_INFINITY : error;
                at = x[i];
            }
        }
        assertTrue(worst <= 1, fn + " at " + at + ": " + worst + " of its bound (" + ulps + " ulp or " + absolute + ")");
    }

    /** {@link VectorMath#exp}, the direct EXP's, over its whole range and at its corners. */
    @Test
    void expWithinOneUlpFromUnderflowToOverflow() {
        float[] x = withCorners(-104.5, 89.5, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, Float.MIN_VALUE,
                -Float.MAX_VALUE, Float.MAX_VALUE, 88.72f, 88.73f, -103.9f, -104.5f, 1e-20f);
        float[] y = new float[x.length];
        betweenNative(x, y, (in, out) -> ElementwiseKernels.instance().directUnary(UnaryFn.EXP, DType.F32, in, 0, out, 0, x.length));
        assertWithinOneUlpOfExp(x, y);
    }

    /** {@link VectorMath#expOfNonPositive}, which softmax takes on {@code x - max}, from 0 down past underflow. */
    @Test
    void softmaxExpWithinOneUlpDownToUnderflow() {
        float[] x = withCorners(-104.5, 0, Float.NaN, Float.NEGATIVE_INFINITY, -0f, 0f, -Float.MIN_VALUE, -Float.MAX_VALUE,
                -87.33f, -103.9f, -104.5f, -1e-20f);
        float[] y = new float[x.length];
        betweenNative(x, y, (in, out) -> NormKernels.instance().expShiftedNextMax(in, 0, out, 0, x.length, 0, 0, new float[1]));
        assertWithinOneUlpOfExp(x, y);
    }

    /** {@link VectorMath#log} from the subnormals to the largest float, every power of two and between, and its corners. */
    @Test
    void logWithinTwoUlpFromTheSubnormalsUp() {
        int n = 1 << 20;
        float[] x = new float[n + 16];
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(Math.log(Float.MIN_VALUE) + (Math.log(Float.MAX_VALUE) - Math.log(Float.MIN_VALUE)) * i / (n - 1));
        }
        float[] corners = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, -1f, 1f, Float.MIN_VALUE,
            Float.MIN_NORMAL, Float.MAX_VALUE, 0.70710677f, 0.7071068f, Math.nextDown(1f), Math.nextUp(1f)};
        System.arraycopy(corners, 0, x, n, corners.length);
        float[] y = new float[x.length];
        ElementwiseKernels.instance().unary(UnaryFn.LOG, x, y, x.length);
        assertWithinUlps("log", Math::log, x, y, 2);
    }

    /** {@link VectorMath#tanh} at its corners and either side of where it switches formula. */
    @Test
    void tanhAtItsCorners() {
        float[] x = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, 0.625f, Math.nextUp(0.625f),
            -0.625f, 1e-30f, Float.MIN_VALUE, 50f, -50f, 100f, 9.01f, Math.nextDown(0.625f), 3f};
        float[] y = new float[x.length];
        ElementwiseKernels.instance().unary(UnaryFn.TANH, x, y, x.length);
        for (int i = 0; i < x.length; i++) {
            double truth = Math.tanh(x[i]);
            float rounded = (float) truth;
            double error = Float.isNaN(rounded) ? (Float.isNaN(y[i]) ? 0 : 99) : Math.abs(y[i] - truth) / Math.max(Math.ulp(rounded), Float.MIN_VALUE);
            assertTrue(error <= 2 && (Float.floatToRawIntBits(y[i]) >>> 31) == (Float.floatToRawIntBits(rounded) >>> 31) | Float.isNaN(rounded),
                    "tanh(" + x[i] + ") = " + y[i] + ", " + error + " ulp from " + truth);
        }
    }

    /**
     * erf, log1p, expm1, tanh and log at their corners, either side of where they switch formula (erf and expm1
     * at |x| = 1, erf saturating at 4; tanh's 0.625 is in its own test) and at the ends of their domains: within 2.5 ulp of the
     * reference's definition, NaN and infinities exactly, and zeros with their sign.
     */
    @ParameterizedTest
    @CsvSource({"ERF", "LOG1P", "EXPM1", "TANH", "LOG"})
    void atTheirCorners(UnaryFn fn) {
        float[] corners = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE,
            1e-30f, -1e-30f, 1f, -1f, Math.nextUp(1f), Math.nextDown(-1f), Math.nextDown(1f), 4f, -4f, 3.99f, 100f, -100f, 88.7f, 89f,
            Float.MAX_VALUE, -Float.MAX_VALUE, -0.9999999f, Math.nextDown(-1f), -2f, 1e-8f, 0.5f, -0.5f, 1000f, 6f, -6f};
        float[] x = new float[corners.length + 16 - corners.length % 16]; // whole vectors at every width: the vector path
        System.arraycopy(corners, 0, x, 0, corners.length);
        float[] y = new float[x.length];
        ElementwiseKernels.instance().unary(fn, x, y, x.length);
        assertAtCorners(fn.apiName(), fn, x, y);
        if (ElementwiseKernels.isDirect(fn, DType.F32)) {
            betweenNative(x, y, (in, out) -> ElementwiseKernels.instance().directUnary(fn, DType.F32, in, 0, out, 0, x.length));
            assertAtCorners("direct " + fn.apiName(), fn, x, y);
        }
    }

    /**
     * {@link VectorPow}: within 0.501 ulp of the true {@code a^b} (correctly rounded but where the true value
     * lies within about 1e-12 of a rounding boundary) over 2^20 seeded pairs, a spread over 2^±25 with either
     * sign and b a third integers in [-20, 20], the rest spread over [-16, 16]; NaN, infinities and zeros exactly.
     */
    @Test
    void powWithinHalfAnUlp() {
        int n = 1 << 20;
        float[] a = new float[n], b = new float[n];
        java.util.Random random = new java.util.Random(20261206);
        for (int i = 0; i < n; i++) {
            a[i] = (float) Math.exp(random.nextGaussian() * 5) * (random.nextInt(4) == 0 ? -1 : 1);
            b[i] = random.nextInt(3) == 0 ? random.nextInt(41) - 20 : (float) (random.nextGaussian() * 4);
        }
        float[] y = new float[n];
        ElementwiseKernels.instance().binary(BinaryFn.POW, a, b, y, n);
        for (int i = 0; i < n; i++) {
            double truth = ReferenceMath.pow(a[i], b[i]);
            float rounded = (float) truth;
            boolean exact = Float.isNaN(rounded) || Float.isInfinite(rounded) || rounded == 0;
            double error = exact ? (Float.compare(y[i], rounded) == 0 ? 0 : Double.POSITIVE_INFINITY)
                    : Math.abs(y[i] - truth) / Math.ulp(rounded);
            assertTrue(error <= 0.501, "pow(" + a[i] + ", " + b[i] + ") = " + y[i] + ", " + error + " ulp from " + truth);
        }
    }

    /**
     * {@link VectorPow} on every pair of its corners, in whole vectors: zeros, infinities and NaN of either
     * operand, bases of ±1, negative bases with odd, even and non-integral powers (and integers past 2^23,
     * 2^24 and 2^31), results that overflow, underflow or land on subnormals and the halfway point below
     * them: the reference's value rounded to F32, bit for bit.
     */
    @Test
    void powAtItsCorners() {
        float[] corners = {0f, -0f, 1f, -1f, 2f, -2f, 0.5f, -0.5f, 3f, -3f, 1.5f, -1.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 16777216f, 16777215f,
            -16777215f, 8388609f, -8388609f, 2147483648f, -2147483648f, 1e10f, -1e10f, 0.1f, -0.1f, 100f, -100f, Math.nextUp(1f),
            Math.nextDown(1f), 127f, -127f, 149f, -149f, 150f, -150f, 1e-20f};
        int m = corners.length, n = m * m + 16 - m * m % 16;
        float[] a = new float[n], b = new float[n], y = new float[n];
        for (int i = 0; i < m * m; i++) {
            a[i] = corners[i / m];
            b[i] = corners[i % m];
        }
        ElementwiseKernels.instance().binary(BinaryFn.POW, a, b, y, n);
        for (int i = 0; i < n; i++) {
            float truth = (float) ReferenceMath.pow(a[i], b[i]);
            assertTrue(Float.floatToRawIntBits(truth) == Float.floatToRawIntBits(y[i]) || Float.isNaN(truth) && Float.isNaN(y[i]),
                    "pow(" + a[i] + ", " + b[i] + ") = " + y[i] + ", not " + truth);
        }
    }

    /**
     * {@link VectorFloorDivision}: the reference's value rounded to F32, bit for bit, over 2^20 seeded pairs
     * (a from the subnormals to 2^100, quotients from 2^-30 to 2^60 so that vectors mix lanes below and past
     * 2^24; a fifth exact multiples of b, a fifth a multiple and an ulp; one divisor in 64 infinite) and every
     * pair of corners.
     */
    @ParameterizedTest
    @CsvSource({"REMAINDER", "FLOOR_DIVIDE"})
    void floorDivisionAsTheReference(BinaryFn fn) {
        int n = 1 << 20;
        float[] a = new float[n], b = new float[n];
        java.util.Random random = new java.util.Random(20261207);
        for (int i = 0; i < n; i++) {
            float divisor = sign(random) * (float) Math.scalb(1 + random.nextDouble(), random.nextInt(-148, 70));
            float quotient = (float) Math.scalb(1 + random.nextDouble(), random.nextInt(-30, 60));
            b[i] = random.nextInt(64) == 0 ? sign(random) * Float.POSITIVE_INFINITY : divisor;
            a[i] = switch (random.nextInt(5)) {
                case 0 -> sign(random) * (float) Math.rint(quotient) * divisor;
                case 1 -> Math.nextUp(sign(random) * (float) Math.rint(quotient) * divisor);
                default -> sign(random) * quotient * divisor;
            };
        }
        assertAsTheReference(fn, a, b);
        float[] corners = {0f, -0f, 1f, -1f, 3f, -3f, 0.7f, -0.7f, 1e-3f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 16777216f, 16777215f, -16777217f,
            8388609f, 6e-39f, 1e30f, -1e-30f};
        int m = corners.length;
        float[] x = new float[m * m], y = new float[m * m];
        for (int i = 0; i < m * m; i++) {
            x[i] = corners[i / m];
            y[i] = corners[i % m];
        }
        assertAsTheReference(fn, x, y);
    }

    /**
     * Floor division and remainder of 64-bit integers as the reference's, bit for bit: 2^20 seeded pairs
     * (divisors of 1 to 2^62 and quotients of 1 to 2^60 in magnitude, either sign; a third exact
     * multiples, a third a multiple and one; one divisor in 64 zero), then every pair of corners, first
     * those within 2^52 of 0 (where whole vectors divide in double lanes), then all of them.
     */
    @ParameterizedTest
    @CsvSource({"REMAINDER", "FLOOR_DIVIDE"})
    void integerFloorDivisionAsTheReference(BinaryFn fn) {
        int n = 1 << 20;
        long[] a = new long[n], b = new long[n];
        java.util.Random random = new java.util.Random(20261207);
        for (int i = 0; i < n; i++) {
            long divisor = (random.nextBoolean() ? 1 : -1) * (long) Math.scalb(1 + random.nextDouble(), random.nextInt(0, 62));
            long quotient = (random.nextBoolean() ? 1 : -1) * (long) Math.scalb(1 + random.nextDouble(), random.nextInt(0, 60));
            long product = quotient * divisor;
            boolean overflows = Math.multiplyHigh(quotient, divisor) != (product >> 63);
            b[i] = random.nextInt(64) == 0 ? 0 : divisor;
            a[i] = switch (random.nextInt(3)) {
                case 0 -> overflows ? random.nextLong() : product;
                case 1 -> overflows ? random.nextLong() : product + (random.nextBoolean() ? 1 : -1);
                default -> random.nextLong() >> random.nextInt(64);
            };
        }
        assertAsTheReference(fn, a, b);
        long e = 1L << 52;
        long[] within = {0, 1, -1, 2, -2, 3, -3, 7, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 32, -(1L << 32) - 1, e, -e, e - 1, 1 - e};
        long[] beyond = {e + 1, -e - 1, 1L << 53, (1L << 53) + 1, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
        assertAsTheReference(fn, pairs(within)[0], pairs(within)[1]);
        long[] all = java.util.stream.LongStream.concat(java.util.Arrays.stream(within), java.util.Arrays.stream(beyond)).toArray();
        assertAsTheReference(fn, pairs(all)[0], pairs(all)[1]);
    }

    /** Every pair of the corners: {@code {firsts, seconds}}. */
    private static long[][] pairs(long[] corners) {
        int m = corners.length;
        long[][] xy = new long[2][m * m];
        for (int i = 0; i < m * m; i++) {
            xy[0][i] = corners[i / m];
            xy[1][i] = corners[i % m];
        }
        return xy;
    }

    private static void assertAsTheReference(BinaryFn fn, long[] a, long[] b) {
        long[] y = new long[a.length];
        ElementwiseKernels.instance().divideIntegers(fn, a, b, y, a.length);
        for (int i = 0; i < a.length; i++) {
            long truth = ReferenceMath.binary(fn, a[i], b[i]);
            assertEquals(truth, y[i], fn + "(" + a[i] + ", " + b[i] + ")");
        }
    }

    private static float sign(java.util.Random random) {
        return random.nextBoolean() ? 1 : -1;
    }

    private static void assertAsTheReference(BinaryFn fn, float[] a, float[] b) {
        float[] y = new float[a.length];
        ElementwiseKernels.instance().binary(fn, a, b, y, a.length);
        for (int i = 0; i < a.length; i++) {
            float truth = (float) ReferenceMath.binary(fn, a[i], b[i]);
            assertTrue(Float.floatToRawIntBits(truth) == Float.floatToRawIntBits(y[i]) || Float.isNaN(truth) && Float.isNaN(y[i]),
                    fn + "(" + a[i] + ", " + b[i] + ") = " + y[i] + ", not " + truth);
        }
    }

    private static void assertAtCorners(String name, UnaryFn fn, float[] x, float[] y) {
        assertWithinUlps(name, v -> ReferenceMath.unary(fn, v), x, y, 2.5);
        for (int i = 0; i < x.length; i++) {
            float truth = (float) ReferenceMath.unary(fn, x[i]);
            if (truth == 0) {
                assertEquals(Float.floatToRawIntBits(truth), Float.floatToRawIntBits(y[i]), name + "(" + x[i] + ") = " + y[i]);
            }
        }
    }

    /** 2^20 evenly spaced floats over [from, to], then the corners in whole vectors, not the scalar tail. */
    private static float[] withCorners(double from, double to, float... corners) {
        int n = 1 << 20;
        float[] x = new float[n + 16];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (from + (to - from) * i / (n - 1));
        }
        System.arraycopy(corners, 0, x, n, corners.length);
        return x;
    }

    private static void assertWithinOneUlpOfExp(float[] x, float[] y) {
        assertWithinUlps("exp", Math::exp, x, y, 1.01);
    }

    /** Each {@code y[i]} within {@code ulps} of {@code f(x[i])} in double; NaN and infinities exactly. */
    private static void assertWithinUlps(String name, DoubleUnaryOperator f, float[] x, float[] y, double ulps) {
        for (int i = 0; i < x.length; i++) {
            double truth = f.applyAsDouble(x[i]);
            float rounded = (float) truth;
            boolean exact = Float.isNaN(rounded) || Float.isInfinite(rounded);
            double error = exact ? (Float.compare(y[i], rounded) == 0 ? 0 : Double.POSITIVE_INFINITY)
                    : Math.abs(y[i] - truth) / Math.max(Math.ulp(rounded), Float.MIN_VALUE);
            assertTrue(error <= ulps, name + "(" + x[i] + ") = " + y[i] + ", " + error + " ulp from " + truth);
        }
    }
}
