package dev.colossus.testkit;

/**
 * How long the soak, concurrency and fuzzing suites run: their CI length (a minute or two each on two
 * cores) by default, their long length with {@code -Dcolossus.test.long=true}.
 */
public final class SuiteLength {
    public static final boolean LONG = Boolean.getBoolean("colossus.test.long");

    private SuiteLength() {
    }

    /** {@code ci} in a CI run, {@code longer} in a long one. */
    public static int of(int ci, int longer) {
        return LONG ? longer : ci;
    }
}
