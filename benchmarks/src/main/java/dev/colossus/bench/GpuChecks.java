package dev.colossus.bench;

import dev.colossus.DType;
import dev.colossus.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@link GpuBench}'s checks: each case's result against the same values computed another way (cuBLAS,
 * the composed attention, the CPU backend on a sample of rows), as the relative L2 error {@code ||a -
 * e|| / ||e||} in double on the host, each said on standard error; a non-finite value anywhere fails.
 * A check that throws fails too, and the benchmark goes on. Written without a GPU: never run yet.
 */
final class GpuChecks {
    private int passed;
    private final List<String> failed = new ArrayList<>();

    /** The relative L2 a result in {@code dtype} may differ by from the same values computed another way. */
    static double tolerance(DType dtype) {
        return switch (dtype) {
            case BF16 -> 1e-2;
            case F16 -> 2e-3;
            default -> 1e-4; // F32: sums of 8192 products in two orders
        };
    }

    /** {@code actual} against {@code expected} (any device, any float dtype, the same shape), both closed after. */
    void compare(String name, Supplier<Tensor> expected, Supplier<Tensor> actual, double tolerance) {
        try (Tensor e = expected.get(); Tensor a = actual.get()) {
            if (!e.shape().equals(a.shape())) {
                throw new IllegalStateException("shapes differ: expected " + e.shape() + ", got " + a.shape());
            }
            double error = relativeL2(e.toFloatArray(), a.toFloatArray());
            if (error <= tolerance) {
                passed++;
                System.err.printf("check %s: relative L2 %.2e (tolerance %.0e)%n", name, error, tolerance);
            } else {
                failed.add(name);
                System.err.printf("CHECK FAILED %s: relative L2 %.2e (tolerance %.0e)%n", name, error, tolerance);
            }
        } catch (RuntimeException ex) {
            failed.add(name);
            System.err.println("CHECK FAILED " + name + ": " + ex);
        }
    }

    /** {@code ||a - e|| / ||e||}; NaN when either holds a non-finite value; the absolute error when e is all zeros. */
    static double relativeL2(float[] e, float[] a) {
        double difference = 0, norm = 0;
        for (int i = 0; i < e.length; i++) {
            if (!Float.isFinite(e[i]) || !Float.isFinite(a[i])) {
                return Double.NaN;
            }
            double d = (double) a[i] - e[i];
            difference += d * d;
            norm += (double) e[i] * e[i];
        }
        return norm == 0 ? Math.sqrt(difference) : Math.sqrt(difference / norm);
    }

    /** Says how many checks passed and which failed; returns how many failed. */
    int summarize() {
        System.err.println("checks: " + passed + " passed, " + failed.size() + " failed" + (failed.isEmpty() ? "" : ": " + failed));
        return failed.size();
    }
}
