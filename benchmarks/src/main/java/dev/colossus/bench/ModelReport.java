package dev.colossus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@link ModelBench}'s results as a Markdown table: per input, each engine's milliseconds a call by
 * fork (and sentences a second at batch 32), and Colossus's speed against ONNX Runtime's: ORT's
 * median fork over Colossus's slowest, so that 1.0 or more meets the target in every fork.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.ModelReport model.json model.md
 * </pre>
 */
public final class ModelReport {
    private static final List<String> ENGINES = List.of("colossus", "colossusBf16", "ort");

    private ModelReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ModelReport RESULTS.json OUT.md");
            System.exit(2);
        }
        List<JmhResults.Result> results = JmhResults.read(Path.of(args[0]));
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, """
                # ModelBench: all-MiniLM-L6-v2, Colossus against ONNX Runtime

                Token ids in, unit-length embeddings out, %d threads each (ORT 1.20: intra-op threads
                the same, inter-op 1, every graph optimisation). Made by `benchmarks/run-models.sh`.
                Milliseconds a call by fork; "vs ORT" is ORT's median fork over Colossus's slowest
                (issue 22's target: 1.0 for F32 in all three inputs).

                | input | engine | ms by fork | sentences/s (median) | vs ORT |
                |---|---|---|---|---|
                """, ModelBench.THREADS));
        for (String input : List.of("batch32", "tokens16", "tokens128")) {
            double ort = find(results, input, "ort").median();
            int sentences = input.equals("batch32") ? 32 : 1;
            for (String engine : ENGINES) {
                JmhResults.Result r = find(results, input, engine);
                double slowest = Arrays.stream(r.forkMeans()).max().orElseThrow();
                String forks = Arrays.stream(r.forkMeans()).mapToObj(ms -> String.format(Locale.ROOT, "%.2f", ms))
                        .collect(Collectors.joining(", "));
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %s |%n", input, engine, forks, sentences * 1000 / r.median(),
                        engine.equals("ort") ? "" : String.format(Locale.ROOT, "%.2f", ort / slowest)));
            }
        }
        Files.writeString(Path.of(args[1]), md);
        System.out.print(md);
    }

    private static JmhResults.Result find(List<JmhResults.Result> results, String input, String engine) {
        return results.stream().filter(r -> r.param("input").equals(input) && r.param("engine").equals(engine)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("ModelReport: no result for " + engine + " on " + input));
    }
}
