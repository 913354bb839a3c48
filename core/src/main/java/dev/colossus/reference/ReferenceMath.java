package dev.colossus.reference;

import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;

/** The scalar definition of each elementwise function, in double and in long arithmetic. */
public final class ReferenceMath {
    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double SQRT_TWO_OVER_PI = Math.sqrt(2 / Math.PI);

    private ReferenceMath() {
    }

    /**
     * The definition of each {@link UnaryFn}, in double.
     *
     * @param fn the function
     * @param x the argument
     * @return {@code fn(x)}
     */
    public static double unary(UnaryFn fn, double x) {
        return switch (fn) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> Math.max(x, 0);
            // 1 + erf(x / sqrt 2) = erfc(-x / sqrt 2), and 1 + tanh(z) = 2 / (1 + exp(-2z)): no cancellation
            // where x is negative and the value small.
            case GELU -> 0.5 * x * Erf.erfc(-x * SQRT_HALF);
            case GELU_TANH -> x / (1 + Math.exp(-2 * SQRT_TWO_OVER_PI * (x + 0.044715 * x * x * x)));
            case SILU -> x / (1 + Math.exp(-x));
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case ERF -> Erf.erf(x);
            case FLOOR -> Math.floor(x);
            case CEIL -> Math.ceil(x);
            case ROUND -> Math.rint(x);
            case SIGN -> Math.signum(x);
            case RECIPROCAL -> 1 / x;
            case SQUARE -> x * x;
            case LOG1P -> Math.log1p(x);
            case EXPM1 -> Math.expm1(x);
        };
    }

    /**
     * The integer form of the {@linkplain UnaryFn#isIntegral integral} functions.
     *
     * @param fn the function
     * @param x the argument
     * @return {@code fn(x)}
     */
    public static long unary(UnaryFn fn, long x) {
        return switch (fn) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case RELU -> Math.max(x, 0);
            case SIGN -> Long.signum(x);
            case SQUARE -> x * x;
            case FLOOR, CEIL, ROUND -> x;
            default -> throw new IllegalArgumentException(fn.apiName() + " is not defined on integers");
        };
    }

    /**
     * The definition of each {@link BinaryFn}, in double; comparisons give 1 or 0.
     *
     * @param fn the function
     * @param a the first argument
     * @param b the second
     * @return {@code fn(a, b)}
     */
    public static double binary(BinaryFn fn, double a, double b) {
        return switch (fn) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> pow(a, b);
            case MAXIMUM -> Math.max(a, b);
            case MINIMUM -> Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case REMAINDER -> remainder(a, b);
            case FLOOR_DIVIDE -> Math.floor(a / b);
        };
    }

    /** {@code a - floor(a / b) * b} with b's sign, exactly: {@code fmod(a, b)}, plus b when the signs differ. */
    private static double remainder(double a, double b) {
        double r = a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    /**
     * {@code a^b} as C99 and IEEE 754 define it, as NumPy and PyTorch compute it: {@code 1^b = 1} and
     * {@code (-1)^(+-Inf) = 1} even for NaN or infinite {@code b}, where Java's {@link Math#pow} says NaN.
     *
     * @param a the base
     * @param b the exponent
     * @return {@code a^b}
     */
    public static double pow(double a, double b) {
        if (a == 1 || a == -1 && Double.isInfinite(b)) {
            return 1;
        }
        return Math.pow(a, b);
    }

    /**
     * The integer form of the {@linkplain BinaryFn#isIntegral integral} functions; sums wrap.
     *
     * @param fn the function
     * @param a the first argument
     * @param b the second
     * @return {@code fn(a, b)}
     */
    public static long binary(BinaryFn fn, long a, long b) {
        return switch (fn) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case MAXIMUM -> Math.max(a, b);
            case MINIMUM -> Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case REMAINDER -> b == 0 ? a : Math.floorMod(a, b);
            case FLOOR_DIVIDE -> b == 0 ? 0 : Math.floorDiv(a, b);
            case DIV, POW -> throw new IllegalArgumentException(fn.apiName() + " is not defined on integers");
        };
    }
}
