package dev.colossus.op;

/** The elementwise functions of one argument. Their definitions are the reference backend's. */
public enum UnaryFn {
    NEG("neg"),
    ABS("abs"),
    EXP("exp"),
    LOG("log"),
    SQRT("sqrt"),
    /** {@code 1 / sqrt(x)} */
    RSQRT("rsqrt"),
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
    SILU("silu");

    private final String apiName;

    UnaryFn(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }

    /** True for the functions also defined on integer dtypes (as exact integer arithmetic). */
    public boolean isIntegral() {
        return this == NEG || this == ABS || this == RELU;
    }
}
