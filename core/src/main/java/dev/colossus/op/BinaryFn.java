package dev.colossus.op;

/** The elementwise functions of two arguments. Comparisons produce BOOL. */
public enum BinaryFn {
    /** {@code a + b} */
    ADD("add"),
    /** {@code a - b} */
    SUB("sub"),
    /** {@code a * b} */
    MUL("mul"),
    /** {@code a / b}; on floating types only */
    DIV("div"),
    /** {@code a^b} as in C99: {@code 1^b = 1} for every b, NaN included */
    POW("pow"),
    /** {@code max(a, b)}, NaN if either is NaN */
    MAXIMUM("maximum"),
    /** {@code min(a, b)}, NaN if either is NaN */
    MINIMUM("minimum"),
    /** {@code a == b} */
    EQ("eq"),
    /** {@code a != b} */
    NE("ne"),
    /** {@code a < b} */
    LT("lt"),
    /** {@code a <= b} */
    LE("le"),
    /** {@code a > b} */
    GT("gt"),
    /** {@code a >= b} */
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

    /**
     * The function's name in {@link dev.colossus.Ops}, for messages.
     *
     * @return the name
     */
    public String apiName() {
        return apiName;
    }

    /**
     * Whether the result is BOOL: EQ, NE, LT, LE, GT, GE.
     *
     * @return true for a comparison
     */
    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }

    /**
     * True for the functions also defined on integer dtypes (as exact integer arithmetic).
     *
     * @return true when integer operands are allowed
     */
    public boolean isIntegral() {
        return this != DIV && this != POW;
    }
}
