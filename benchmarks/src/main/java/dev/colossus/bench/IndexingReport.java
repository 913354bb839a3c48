package dev.colossus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@link IndexingBench}'s results as Markdown tables. {@code run}: per op, each fork's GB/s (64 MiB
 * moved per call) and, against the copy yardstick's median fork, the slowest fork's fraction and the
 * median's. {@code besideCopy}: per op, each fork's fraction of the copy timed beside it (the copy's
 * time over the op's, summed over the fork's measured calls), the slowest and the median.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.IndexingReport indexing.json indexing.md
 * </pre>
 */
public final class IndexingReport {
    private static final double MOVED = 2.0 * IndexingBench.BYTES;

    private IndexingReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: IndexingReport RESULTS.json OUT.md");
            System.exit(2);
        }
        List<JmhResults.Result> results = JmhResults.read(Path.of(args[0]));
        List<JmhResults.Result> separate = results.stream().filter(r -> r.name().equals("IndexingBench.run")).toList();
        List<JmhResults.Result> beside = results.stream().filter(r -> r.name().equals("IndexingBench.besideCopy")).toList();
        StringBuilder md = new StringBuilder("""
                # IndexingBench: the data-movement ops against a copy

                BF16, the CPU backend's threads, 64 MiB moved per call (32 read, 32 written); the copy moves
                as many bytes by as many threads. Made by `benchmarks/run-indexing.sh`; the targets
                (issue 21): embedding, cat and copyFrom at 0.80 of the copy, rotary at 0.70, by the
                slowest fork.
                """);
        if (!separate.isEmpty()) {
            double copy = separate.stream().filter(r -> r.param("op").equals("copy")).findFirst().orElseThrow().median();
            md.append("""

                    ## Each op in its own forks (`run`), against the copy's median fork

                    | op | GB/s by fork | slowest fork / copy | median / copy |
                    |---|---|---|---|
                    """);
            for (JmhResults.Result r : separate) {
                String forks = Arrays.stream(r.forkMeans()).mapToObj(ms -> String.format(Locale.ROOT, "%.1f", gbPerSecond(ms)))
                        .collect(Collectors.joining(", "));
                double slowest = Arrays.stream(r.forkMeans()).max().orElseThrow();
                md.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f |%n", r.param("op"), forks, copy / slowest, copy / r.median()));
            }
        }
        if (!beside.isEmpty()) {
            md.append("""

                    ## Each op timed beside the copy, call by call in the same fork (`besideCopy`)

                    The copy's time over the op's, summed over a fork's measured calls (threads idle 1 ms
                    before each).

                    | op | op GB/s by fork | copy GB/s by fork | fraction by fork | slowest fork | median |
                    |---|---|---|---|---|---|
                    """);
            for (JmhResults.Result r : beside) {
                double[] copyNanos = r.forkTotals("copyNanos"), opNanos = r.forkTotals("opNanos"), calls = r.forkTotals("calls");
                double[] fractions = new double[copyNanos.length];
                for (int f = 0; f < fractions.length; f++) {
                    fractions[f] = copyNanos[f] / opNanos[f];
                }
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %.2f |%n", r.param("op"), rates(opNanos, calls),
                        rates(copyNanos, calls), JmhResults.join(fractions, "%.2f"), Arrays.stream(fractions).min().orElseThrow(),
                        JmhResults.median(fractions)));
            }
        }
        Files.writeString(Path.of(args[1]), md);
        System.out.print(md);
    }

    /** Each fork's GB/s: its calls' bytes over their summed time. */
    private static String rates(double[] nanos, double[] calls) {
        double[] rates = new double[nanos.length];
        for (int f = 0; f < rates.length; f++) {
            rates[f] = calls[f] * MOVED / nanos[f];
        }
        return JmhResults.join(rates, "%.1f");
    }


    private static double gbPerSecond(double ms) {
        return MOVED / (ms * 1e-3) / 1e9;
    }
}
