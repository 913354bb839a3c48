package dev.colossus.op;

/** The reductions: over a set of axes, producing one value per position of the remaining axes. */
public enum ReduceFn {
    SUM("sum"),
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

    public String apiName() {
        return apiName;
    }
}
