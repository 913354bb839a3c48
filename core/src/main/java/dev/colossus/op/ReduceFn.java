package dev.colossus.op;

/** The reductions: over a set of axes, producing one value per position of the remaining axes. */
public enum ReduceFn {
    /** the sum; I64 for integers and BOOL */
    SUM("sum"),
    /** the mean; floating types only */
    MEAN("mean"),
    /** NaN if any element is NaN */
    MAX("max"),
    /** NaN if any element is NaN */
    MIN("min"),
    /** the flat index, within the reduced axes, of the first maximum (a NaN counts as the maximum); I64 */
    ARGMAX("argmax"),
    /** {@code sum (x - mean)^2 / (n - correction)} */
    VAR("var");

    private final String apiName;

    ReduceFn(String apiName) {
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
}
