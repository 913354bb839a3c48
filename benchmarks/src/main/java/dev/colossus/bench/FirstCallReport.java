package dev.colossus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@link FirstCallBench}'s results as a Markdown table: per op and SIMD width, the median over forks
 * of the first, second and third call and of the last ten (warm), and the first call over the warm.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.FirstCallReport first-call.json first-call.md
 * </pre>
 */
public final class FirstCallReport {
    private static final int WARM_CALLS = 10;

    private FirstCallReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: FirstCallReport RESULTS.json OUT.md");
            System.exit(2);
        }
        StringBuilder md = new StringBuilder("""
                # FirstCallBench: the first calls in a fresh JVM

                F32 on the CPU backend, each fork a fresh JVM whose measured iterations are its first calls
                of one op (JMH `SingleShotTime`, no warm-up). Milliseconds, the median over forks; warm is
                the median of each fork's last ten calls. Made by `benchmarks/run-first-call.sh`; the
                target (issue 25): the first 256^3 matmul within 5x its warm time.

                | op | simd | warm-up (ms before the first call) | forks | call 1 | call 2 | call 3 | warm | call 1 / warm |
                |---|---|---|---|---|---|---|---|---|
                """);
        for (JmhResults.Result r : JmhResults.read(Path.of(args[0]))) {
            double[][] forks = r.forks();
            double[] first = new double[3];
            for (int call = 0; call < 3; call++) {
                int at = call;
                first[call] = JmhResults.median(Arrays.stream(forks).mapToDouble(f -> f[at]).toArray());
            }
            double warm = JmhResults.median(Arrays.stream(forks)
                    .mapToDouble(f -> JmhResults.median(Arrays.copyOfRange(f, f.length - WARM_CALLS, f.length))).toArray());
            String warmUp = r.param("warmUpMs") == null || r.param("warmUpMs").equals("0") ? "none" : r.param("warmUpMs");
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.2f | %.2f | %.2f | %.3f | %.0f |%n", r.param("op"), r.param("simd"),
                    warmUp, forks.length, first[0], first[1], first[2], warm, first[0] / warm));
        }
        Files.writeString(Path.of(args[1]), md);
        System.out.print(md);
    }
}
