package dev.colossus.reference;

/**
 * The error function, {@code erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt}, to double precision.
 *
 * <p>Uses the series {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1))},
 * whose terms are all positive (no cancellation); beyond |x| = 6, erf is +-1 to within 2e-17.
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private Erf() {
    }

    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Math.abs(x) > 6) {
            return Math.signum(x);
        }
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }
}
