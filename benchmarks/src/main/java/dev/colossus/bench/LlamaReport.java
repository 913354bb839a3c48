package dev.colossus.bench;

import dev.colossus.bench.model.Llama;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@link LlamaBench}'s results as a Markdown table: the decode step's milliseconds by fork, and the
 * bound, Llama 3.2 1B's BF16 weights read once at the copy's median rate (bytes read plus bytes
 * written, as {@link IndexingReport} counts a copy), over the slowest fork's step (issue 22's
 * target: 0.7).
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.LlamaReport llama.json llama.md
 * </pre>
 */
public final class LlamaReport {
    private LlamaReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: LlamaReport RESULTS.json OUT.md");
            System.exit(2);
        }
        List<JmhResults.Result> results = JmhResults.read(Path.of(args[0]));
        JmhResults.Result copy = find(results, "copy"), decode = find(results, "decode");
        double copyRate = 2.0 * LlamaBench.COPY_BYTES / (copy.median() * 1e-3);
        long weights = 2 * Llama.Config.LLAMA_3_2_1B.parameters();
        double boundMs = weights / copyRate * 1e3;
        double slowest = Arrays.stream(decode.forkMeans()).max().orElseThrow();
        String md = String.format(Locale.ROOT, """
                # LlamaBench: a Llama 3.2 1B decode step against the copy bound

                BF16 weights (seeded random, %d bytes), batch 1, %d tokens of context, the CPU backend's
                threads. Made by `benchmarks/run-llama.sh`. The bound: the weights read once at the copy
                yardstick's rate, counted as `IndexingBench` counts it, bytes read plus bytes written (%.1f
                GB/s, median fork; by fork %s ms to copy %d bytes).

                | | ms by fork | tokens/s (median) | bound / slowest fork |
                |---|---|---|---|
                | decode step | %s | %.2f | %.2f |
                | bound | %.1f | %.2f | |
                """, weights, LlamaBench.CONTEXT, copyRate / 1e9, forks(copy), LlamaBench.COPY_BYTES, forks(decode),
                1e3 / decode.median(), boundMs / slowest, boundMs, 1e3 / boundMs);
        Files.writeString(Path.of(args[1]), md);
        System.out.print(md);
    }

    private static String forks(JmhResults.Result r) {
        return Arrays.stream(r.forkMeans()).mapToObj(ms -> String.format(Locale.ROOT, "%.2f", ms)).collect(Collectors.joining(", "));
    }

    private static JmhResults.Result find(List<JmhResults.Result> results, String op) {
        return results.stream().filter(r -> r.param("op").equals(op)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("LlamaReport: no result for " + op));
    }
}
