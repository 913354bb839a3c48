package dev.colossus.op;

/** The elementwise functions of two arguments. Comparisons produce BOOL. */
public enum BinaryFn {
    ADD("add"),
    SUB("sub"),
    MUL("mul"),
    DIV("div"),
    /** {@code a^b} as in C99: {@code 1^b = 1} for every b, NaN included */
    POW("pow"),
    /** {@code max(a, b)}, NaN if either is NaN */
    MAXIMUM("maximum"),
    /** {@code min(a, b)}, NaN if either is NaN */
    MINIMUM("minimum"),
    EQ("eq"),
    NE("ne"),
    LT("lt"),
    LE("le"),
    GT("gt"),
    GE("ge");

    private final String apiName;

    BinaryFn(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }

    public boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }

    /** True for the functions also defined on integer dtypes (as exact integer arithmetic). */
    public boolean isIntegral() {
        return this != DIV && this != POW;
    }
}
