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
    GE("ge"),
    /**
     * {@code a - floor(a / b) * b}, as Python's {@code %}: the sign of b (computed as the C {@code fmod}
     * plus b when the signs differ, so it is exact). On integers, {@code remainder(a, 0) = a}.
     */
    REMAINDER("remainder"),
    /** {@code floor(a / b)}, as Python's {@code //}. On integers, {@code floorDivide(a, 0) = 0} (no exception, no trap). */
    FLOOR_DIVIDE("floorDivide");

    private final String apiName;

    BinaryFn(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }

    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }

    /** True for the functions also defined on integer dtypes (as exact integer arithmetic). */
    public boolean isIntegral() {
        return this != DIV && this != POW;
    }
}
