package dev.colossus.reference;

/**
 * The error function, {@code erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt}, and its complement
 * {@code erfc(x) = 1 - erf(x)}, to double precision, erfc relatively so in its tail.
 *
 * <p>erf uses the series {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1))},
 * whose terms are all positive (no cancellation); beyond |x| = 6, erf is +-1 to within 2e-17. erfc
 * from x = 2 on is the continued fraction
 * {@code erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + (2/2) / (x + (3/2) / (x + ...))))}, 100 terms
 * deep (within 2 ulp of double from x = 2: deeper terms no longer change it); below 2, {@code 1 - erf(x)}.
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private Erf() {
    }

    /**
     * The complementary error function, {@code 1 - erf(x)}, without its cancellation for large x.
     *
     * @param x the argument
     * @return {@code erfc(x)}
     */
    public static double erfc(double x) {
        if (!(x >= 2)) {
            return 1 - erf(x);
        }
        double fraction = x;
        for (int n = 100; n >= 1; n--) {
            fraction = x + (n / 2.0) / fraction;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / fraction;
    }

    /**
     * The error function, {@code 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt}.
     *
     * @param x the argument
     * @return {@code erf(x)}
     */
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
