package dev.colossus.testkit;

import dev.colossus.DType;

/**
 * How close a result must be to the reference, per dtype: the one table every test uses.
 *
 * <ul>
 *   <li>elementwise: {@code |actual - expected| <= atol + rtol * |expected|}, NaN matching NaN and
 *       infinities matching exactly;</li>
 *   <li>matmul and attention: relative L2, {@code ||actual - expected|| / ||expected|| <= relativeL2};</li>
 *   <li>sums: {@code |actual - expected| <= atol + rtol * |expected| + sumUlps * ulp(sum |x_i|)} with
 *       {@code ulp} of the dtype the backend accumulates in, so that cancellation is allowed for.</li>
 * </ul>
 * The 16-bit formats get about two units in the last place of their own precision, since a backend
 * that computes in F32 and the reference that computes in double may round to neighbours; the 8-bit
 * floats one unit (their ops run on the reference kernels on the host), and their smallest
 * subnormal as the absolute floor.
 */
public record Tolerance(double atol, double rtol, double relativeL2, double sumUlps, double accumulationEpsilon) {

    public static Tolerance of(DType dtype) {
        return switch (dtype) {
            case F64 -> new Tolerance(1e-12, 1e-12, 1e-12, 64, 0x1p-52);
            case F32 -> new Tolerance(1e-5, 1e-5, 1e-5, 64, 0x1p-23);
            case F16 -> new Tolerance(1e-3, 2e-3, 2e-3, 64, 0x1p-23);
            case BF16 -> new Tolerance(1e-2, 1.6e-2, 1e-2, 64, 0x1p-23);
            case F8E4M3 -> new Tolerance(0x1p-9, 0.125, 0.0625, 64, 0x1p-23);
            case F8E5M2 -> new Tolerance(0x1p-16, 0.25, 0.125, 64, 0x1p-23);
            case I32, I64, BOOL, I8, I16, U8 -> new Tolerance(0, 0, 0, 0, 0);
        };
    }

    /** Whether {@code actual} is within this tolerance of {@code expected}, elementwise. */
    public boolean close(double expected, double actual) {
        return close(expected, actual, 0);
    }

    /** As {@link #close(double, double)} with {@code slack} added to the allowed absolute error. */
    public boolean close(double expected, double actual, double slack) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual);
        }
        if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
            return expected == actual;
        }
        return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected) + slack;
    }

    /** The extra absolute error a sum of values whose magnitudes add up to {@code absSum} may carry. */
    public double sumSlack(double absSum) {
        return sumUlps * accumulationEpsilon * absSum;
    }
}
