package dev.colossus.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * JMH's JSON results ({@code -rf json}), read with Jackson: one {@link Result} per benchmark and
 * parameter set, its time the median of the forks' means. As a program it merges result files into
 * one, as the run scripts commit them:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.JmhResults OUT.json IN.json...
 * </pre>
 */
public final class JmhResults {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One benchmark with its parameters: JMH's score and each fork's iteration values, of the primary
     * metric ({@code forks[f][i]}) and of each secondary one (an {@code AuxCounters} field); from them
     * the forks' mean times and their median (with several forks, one that fell in a slow period of a
     * shared machine does not move it; with one fork it is JMH's score, the mean of its iterations).
     */
    public record Result(String benchmark, Map<String, String> params, String unit, double score, double[][] forks,
            Map<String, double[][]> secondaryForks) {
        /** The benchmark's method, {@code Class.method}: {@code MatMulBench.matmul}. */
        public String name() {
            String[] parts = benchmark.split("\\.");
            return parts[parts.length - 2] + "." + parts[parts.length - 1];
        }

        public String param(String key) {
            return params.get(key);
        }

        /** Each fork's mean over its iterations. */
        public double[] forkMeans() {
            return Arrays.stream(forks).mapToDouble(f -> Arrays.stream(f).average().orElseThrow()).toArray();
        }

        /** Each fork's sum of the secondary metric {@code name} over its iterations. */
        public double[] forkTotals(String name) {
            return Arrays.stream(secondaryForks.get(name)).mapToDouble(f -> Arrays.stream(f).sum()).toArray();
        }

        public double median() {
            return forks.length == 0 ? score : JmhResults.median(forkMeans());
        }
    }

    /** {@code values} each formatted by {@code format} (in the ROOT locale), joined by commas: a table cell of per-fork figures. */
    public static String join(double[] values, String format) {
        return Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, format, v)).collect(Collectors.joining(", "));
    }

    /** The median of {@code values}: the middle one, or the mean of the middle two. */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private JmhResults() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: JmhResults OUT.json IN.json...");
            System.exit(2);
        }
        ArrayNode merged = JSON.createArrayNode();
        for (int i = 1; i < args.length; i++) {
            merged.addAll((ArrayNode) JSON.readTree(Path.of(args[i]).toFile()));
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(Path.of(args[0]).toFile(), merged);
    }

    /** Every result in {@code file}, in order. */
    public static List<Result> read(Path file) throws IOException {
        List<Result> results = new ArrayList<>();
        for (JsonNode entry : JSON.readTree(file.toFile())) {
            Map<String, String> params = new LinkedHashMap<>();
            entry.path("params").properties().forEach(p -> params.put(p.getKey(), p.getValue().asText()));
            JsonNode metric = entry.get("primaryMetric");
            Map<String, double[][]> secondary = new LinkedHashMap<>();
            entry.path("secondaryMetrics").properties().forEach(m -> secondary.put(m.getKey(), forks(m.getValue())));
            results.add(new Result(entry.get("benchmark").asText(), params, metric.get("scoreUnit").asText(),
                    metric.get("score").asDouble(), forks(metric), secondary));
        }
        return results;
    }

    /** A metric's values, fork by fork, iteration by iteration. */
    private static double[][] forks(JsonNode metric) {
        List<double[]> forks = new ArrayList<>();
        for (JsonNode fork : metric.path("rawData")) {
            double[] values = new double[fork.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = fork.get(i).asDouble();
            }
            forks.add(values);
        }
        return forks.toArray(double[][]::new);
    }
}
