package dev.colossus.op;

/** The elementwise functions of one argument. Their definitions are the reference backend's. */
public enum UnaryFn {
    /** {@code -x} */
    NEG("neg"),
    /** {@code |x|} */
    ABS("abs"),
    /** {@code e^x} */
    EXP("exp"),
    /** the natural logarithm */
    LOG("log"),
    /** the square root */
    SQRT("sqrt"),
    /** {@code 1 / sqrt(x)} */
    RSQRT("rsqrt"),
    /** the hyperbolic tangent */
    TANH("tanh"),
    /** {@code 1 / (1 + exp(-x))} */
    SIGMOID("sigmoid"),
    /** {@code max(x, 0)}; NaN stays NaN */
    RELU("relu"),
    /** {@code x/2 * (1 + erf(x / sqrt(2)))} */
    GELU("gelu"),
    /** {@code x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))} */
    GELU_TANH("geluTanh"),
    /** {@code x / (1 + exp(-x))} */
    SILU("silu"),
    /** the sine, x in radians */
    SIN("sin"),
    /** the cosine, x in radians */
    COS("cos"),
    /** {@code 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt} */
    ERF("erf"),
    /** The largest integer not above x; integers unchanged. */
    FLOOR("floor"),
    /** The smallest integer not below x; integers unchanged. */
    CEIL("ceil"),
    /** The nearest integer, halves to even ({@code round(2.5) = 2}, {@code round(-0.5) = -0}); integers unchanged. */
    ROUND("round"),
    /** -1, 0 or 1 by the sign of x; ±0 stays ±0 and NaN stays NaN */
    SIGN("sign"),
    /** {@code 1 / x} */
    RECIPROCAL("reciprocal"),
    /** {@code x * x} (integers wrap) */
    SQUARE("square"),
    /** {@code log(1 + x)}, without the cancellation of {@code 1 + x} for small x */
    LOG1P("log1p"),
    /** {@code exp(x) - 1}, without the cancellation for small x */
    EXPM1("expm1");

    private final String apiName;

    UnaryFn(String apiName) {
        this.apiName = apiName;
    }

    /**
     * The function's name in {@link dev.colossus.Ops}, for messages.
     *
     * @return the name
     */
    public String apiName() {
        return apiName;
    }

    /**
     * True for the functions also defined on integer dtypes (as exact integer arithmetic).
     *
     * @return true when integer operands are allowed
     */
    public boolean isIntegral() {
        return switch (this) {
            case NEG, ABS, RELU, SIGN, SQUARE, FLOOR, CEIL, ROUND -> true;
            default -> false;
        };
    }
}
