package dev.colossus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@link IndexingBench}'s results as a Markdown table: per op, each fork's GB/s (64 MiB moved per
 * call) and, against the copy yardstick's median fork, the slowest fork's fraction and the median's.
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
        double copy = results.stream().filter(r -> r.param("op").equals("copy")).findFirst().orElseThrow().median();
        StringBuilder md = new StringBuilder("""
                # IndexingBench: the data-movement ops against a copy

                BF16, the CPU backend's threads, 64 MiB moved per call (32 read, 32 written); the copy moves
                as many bytes by as many threads. Made by `benchmarks/run-indexing.sh`; the targets
                (issue 21): embedding, cat and copyFrom at 0.80 of the copy, rotary at 0.70, by the
                slowest fork.

                | op | GB/s by fork | slowest fork / copy | median / copy |
                |---|---|---|---|
                """);
        for (JmhResults.Result r : results) {
            StringBuilder forks = new StringBuilder();
            double slowest = 0;
            for (double ms : r.forkMeans()) {
                forks.append(forks.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", gbPerSecond(ms)));
                slowest = Math.max(slowest, ms);
            }
            md.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f |%n", r.param("op"), forks, copy / slowest, copy / r.median()));
        }
        Files.writeString(Path.of(args[1]), md);
        System.out.print(md);
    }

    private static double gbPerSecond(double ms) {
        return MOVED / (ms * 1e-3) / 1e9;
    }
}
