package dev.colossus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.colossus.DType;
import dev.colossus.Tensor;
import java.util.Arrays;

/** Comparisons of a backend's result with the reference's, with messages that say where and by how much. */
public final class TensorAssert {
    private TensorAssert() {
    }

    /** Same shape and dtype, and every element within {@code tolerance}. */
    public static void assertClose(String context, Tensor expected, Tensor actual, Tolerance tolerance) {
        assertCloseWithSlack(context, expected, actual, tolerance, null);
    }

    /**
     * As {@link #assertClose}, each element allowed {@link Tolerance#sumSlack} of the matching element
     * of {@code absSums} (the sum of the magnitudes it was reduced from).
     */
    public static void assertSumClose(String context, Tensor expected, Tensor actual, Tensor absSums, Tolerance tolerance) {
        assertCloseWithSlack(context, expected, actual, tolerance, absSums.toDoubleArray());
    }

    private static void assertCloseWithSlack(String context, Tensor expected, Tensor actual, Tolerance tolerance,
            double[] absSums) {
        assertSameMeta(context, expected, actual);
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        int bad = 0;
        int first = -1;
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double slack = absSums == null ? 0 : tolerance.sumSlack(absSums[i]);
            if (!tolerance.close(e[i], a[i], slack)) {
                if (first < 0) {
                    first = i;
                }
                bad++;
                worst = Math.max(worst, Math.abs(a[i] - e[i]));
            }
        }
        if (bad > 0) {
            fail(context + ": " + bad + " of " + e.length + " elements differ beyond " + tolerance + "; first at flat index "
                    + first + ": expected " + e[first] + ", got " + a[first] + "; largest difference " + worst);
        }
    }

    /**
     * Same shape and dtype; non-finite elements equal (NaN for NaN, same infinity), and over the finite
     * ones {@code ||actual - expected||_2 <= relativeL2 * ||expected||_2}.
     */
    public static void assertRelativeL2(String context, Tensor expected, Tensor actual, Tolerance tolerance) {
        assertSameMeta(context, expected, actual);
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < e.length; i++) {
            boolean finite = Double.isFinite(e[i]);
            if (finite != Double.isFinite(a[i]) || !finite && !(Double.isNaN(e[i]) ? Double.isNaN(a[i]) : e[i] == a[i])) {
                fail(context + ": at flat index " + i + " expected " + e[i] + ", got " + a[i]);
            }
            if (finite) {
                diff += (a[i] - e[i]) * (a[i] - e[i]);
                norm += e[i] * e[i];
            }
        }
        double relative = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        if (!(relative <= tolerance.relativeL2())) {
            fail(context + ": relative L2 error " + relative + " exceeds " + tolerance.relativeL2());
        }
    }

    /** Same shape, dtype and every value exactly: NaN equal to NaN, -0.0 distinct from 0.0; I64 as longs. */
    public static void assertExact(String context, Tensor expected, Tensor actual) {
        assertSameMeta(context, expected, actual);
        if (expected.dtype() == DType.I64) {
            // past 2^53 a double would blur the low bits
            long[] e = expected.toLongArray(), a = actual.toLongArray();
            for (int i = 0; i < e.length; i++) {
                if (e[i] != a[i]) {
                    fail(context + ": at flat index " + i + " expected " + e[i] + ", got " + a[i] + "; expected "
                            + Arrays.toString(Arrays.copyOf(e, Math.min(e.length, 16))) + "...");
                }
            }
            return;
        }
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.compare(e[i], a[i]) != 0) {
                fail(context + ": at flat index " + i + " expected " + e[i] + ", got " + a[i] + "; expected "
                        + Arrays.toString(Arrays.copyOf(e, Math.min(e.length, 16))) + "...");
            }
        }
    }

    private static void assertSameMeta(String context, Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape(), context + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), context + ": dtype");
    }
}
