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
 * {@link LlamaBench}'s results as a Markdown table: the decode step's and the prefill's milliseconds
 * by fork on Colossus and on PyTorch; the bound, Llama 3.2 1B's BF16 weights read once at the copy's
 * median rate (bytes read plus bytes written, as {@link IndexingReport} counts a copy), over
 * Colossus's slowest decode fork (issue 22's target: 0.7); the same weights at the rate memory gives
 * a reader alone, the best a step could do; and PyTorch's median fork over Colossus's slowest
 * (targets: 2.0 for decode, 1.0 for prefill). With a second results file, {@code besideCopy}'s: each
 * decode fork's step and copy timed call by call, the bound over the step by fork, and the read
 * yardstick's 1 GiB beside the copy likewise: the most of the copy bound an op that only reads reaches.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.LlamaReport llama.json [llama-beside.json] llama.md
 * </pre>
 */
public final class LlamaReport {
    private LlamaReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: LlamaReport RESULTS.json [BESIDE.json] OUT.md");
            System.exit(2);
        }
        List<JmhResults.Result> results = JmhResults.read(Path.of(args[0]));
        JmhResults.Result copy = find(results, "copy"), read = find(results, "read");
        JmhResults.Result decode = find(results, "decode"), torchDecode = find(results, "torchDecode");
        JmhResults.Result prefill = find(results, "prefill"), torchPrefill = find(results, "torchPrefill");
        double copyRate = 2.0 * LlamaBench.COPY_BYTES / (copy.median() * 1e-3), readRate = LlamaBench.COPY_BYTES / (read.median() * 1e-3);
        long weights = 2 * Llama.Config.LLAMA_3_2_1B.parameters();
        double boundMs = weights / copyRate * 1e3, readMs = weights / readRate * 1e3;
        String md = String.format(Locale.ROOT, """
                # LlamaBench: Llama 3.2 1B on Colossus and on PyTorch, and the decode step's bounds

                BF16 weights (seeded random, %d bytes), batch 1, the CPU backend's threads and as many
                PyTorch intra-op threads. Decode: a step with %d tokens of context; prefill: %d tokens from
                position 0. Made by `benchmarks/run-llama.sh`.

                The copy bound (issue 22's): the weights read once at the copy yardstick's rate, counted as
                `IndexingBench` counts it, bytes read plus bytes written: %.1f GB/s (median fork; by fork
                %s ms to copy %d bytes). The read bound: the weights at the rate the same bytes
                are only read: %.1f GB/s (by fork %s ms), the best a step that reads each weight
                once can do. Ratios: a bound or PyTorch's median fork over Colossus's slowest fork (targets:
                0.7 of the copy bound, 2.0 and 1.0 of PyTorch).

                | | ms by fork | tokens/s (median) | copy bound / Colossus | read bound / Colossus | PyTorch / Colossus |
                |---|---|---|---|---|---|
                | decode step, Colossus | %s | %.2f | %.2f | %.2f | %.2f |
                | decode step, PyTorch 2.10 | %s | %.2f | | | |
                | decode, copy bound | %.1f | %.2f | | | |
                | decode, read bound | %.1f | %.2f | | | |
                | prefill, Colossus | %s | %.1f | | | %.2f |
                | prefill, PyTorch 2.10 | %s | %.1f | | | |
                """, weights, LlamaBench.CONTEXT, LlamaBench.CONTEXT, copyRate / 1e9, forks(copy), LlamaBench.COPY_BYTES,
                readRate / 1e9, forks(read),
                forks(decode), 1e3 / decode.median(), boundMs / slowest(decode), readMs / slowest(decode), torchDecode.median() / slowest(decode),
                forks(torchDecode), 1e3 / torchDecode.median(), boundMs, 1e3 / boundMs, readMs, 1e3 / readMs,
                forks(prefill), LlamaBench.CONTEXT * 1e3 / prefill.median(), torchPrefill.median() / slowest(prefill),
                forks(torchPrefill), LlamaBench.CONTEXT * 1e3 / torchPrefill.median());
        if (args.length == 3) {
            md += beside(JmhResults.read(Path.of(args[1])), weights);
        }
        Files.writeString(Path.of(args[args.length - 1]), md);
        System.out.print(md);
    }

    /**
     * {@code besideCopy}'s forks: per fork, the op's and the copy's mean times over its measured calls,
     * and the op's bytes read once at that copy's counted rate over the op's time: the weights for a
     * decode step, the yardstick's bytes for the read.
     */
    private static String beside(List<JmhResults.Result> results, long weights) {
        StringBuilder md = new StringBuilder("""

                ## The decode step timed beside the copy, call by call in each fork (`besideCopy`)

                The copy bound from each fork's own copies of 1 GiB, over the same fork's steps (threads
                idle 1 ms before each). Target (issue 22): 0.7 by the slowest fork. The read row is the read
                yardstick beside the copy, its 1 GiB at the copy's counted rate over its time: what an op that
                reads its bytes once, and does nothing else, reaches of its copy bound here.

                | op | ms by fork | copy ms by fork | copy bound / op by fork | slowest | median |
                |---|---|---|---|---|---|
                """);
        for (JmhResults.Result r : results) {
            if (!r.name().equals("LlamaBench.besideCopy")) {
                continue;
            }
            long bytes = r.param("op").equals("read") ? LlamaBench.COPY_BYTES : weights;
            double[] copyNanos = r.forkTotals("copyNanos"), opNanos = r.forkTotals("opNanos"), calls = r.forkTotals("calls");
            double[] step = new double[calls.length], copy = new double[calls.length], fraction = new double[calls.length];
            for (int f = 0; f < calls.length; f++) {
                step[f] = opNanos[f] / calls[f] / 1e6;
                copy[f] = copyNanos[f] / calls[f] / 1e6;
                fraction[f] = bytes * copy[f] / (2.0 * LlamaBench.COPY_BYTES) / step[f];
            }
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %.2f |%n", r.param("op"), JmhResults.join(step, "%.1f"),
                    JmhResults.join(copy, "%.1f"), JmhResults.join(fraction, "%.2f"), Arrays.stream(fraction).min().orElseThrow(), JmhResults.median(fraction)));
        }
        return md.toString();
    }


    private static double slowest(JmhResults.Result r) {
        return Arrays.stream(r.forkMeans()).max().orElseThrow();
    }

    private static String forks(JmhResults.Result r) {
        return Arrays.stream(r.forkMeans()).mapToObj(ms -> String.format(Locale.ROOT, "%.2f", ms)).collect(Collectors.joining(", "));
    }

    private static JmhResults.Result find(List<JmhResults.Result> results, String op) {
        return results.stream().filter(r -> r.param("op").equals(op)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("LlamaReport: no result for " + op));
    }
}
