package dev.colossus.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.colossus.Tensor;
import dev.colossus.bench.model.MiniLm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a MiniLM forward pass spends its time, by kind of op, on Colossus and on ONNX Runtime, over one
 * of {@link ModelBench}'s inputs on as many threads each: Colossus's ops from a Flight Recorder
 * recording of its {@code dev.colossus.Op} events, ORT's nodes from its own profiler, each over the
 * last {@code runs} of {@code 2 runs} forward passes. Prints a Markdown table per engine: op kind,
 * calls and milliseconds per forward pass, share of the pass's wall time, and the time outside them.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.colossus.bench.ModelProfile batch32 50
 * </pre>
 */
public final class ModelProfile {
    private ModelProfile() {
    }

    public static void main(String[] args) throws IOException, OrtException {
        if (args.length != 2) {
            System.err.println("usage: ModelProfile batch32|tokens16|tokens128 RUNS");
            System.exit(2);
        }
        String input = args[0];
        int runs = Integer.parseInt(args[1]);
        long[][] padded = ModelBench.padded(ModelBench.tokens(input));
        System.out.printf(Locale.ROOT, "# MiniLM forward pass by op kind: %s (%d x %d tokens), %d threads, %d passes%n%n",
                input, padded.length, padded[0].length, ModelBench.THREADS, runs);
        print("Colossus (F32, CPU backend; `dev.colossus.Op` events)", colossus(padded, runs));
        print("ONNX Runtime 1.20 (F32; its profiler's node events)", onnxRuntime(padded, runs));
    }

    /** Per op kind: calls and nanoseconds, over all the passes; and the passes' wall time, under the key "". */
    private static Map<String, long[]> colossus(long[][] ids, int runs) throws IOException {
        Path file = Files.createTempFile("colossus-minilm", ".jfr");
        long wall;
        try (MiniLm model = MiniLm.load();
                Tensor batch = ModelBench.tensor(ids)) {
            for (int i = 0; i < runs; i++) {
                model.embed(batch).close();
            }
            try (Recording recording = new Recording()) {
                recording.enable("dev.colossus.Op").withThreshold(Duration.ZERO);
                recording.start();
                long start = System.nanoTime();
                for (int i = 0; i < runs; i++) {
                    model.embed(batch).close();
                }
                wall = System.nanoTime() - start;
                recording.stop();
                recording.dump(file);
            }
        }
        Map<String, long[]> kinds = new TreeMap<>();
        try {
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (e.getEventType().getName().equals("dev.colossus.Op")) {
                    add(kinds, e.getString("op"), e.getDuration().toNanos());
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
        kinds.put("", new long[] {runs, wall});
        return kinds;
    }

    /** As {@link #colossus}, from ORT's profile: the node events inside the last {@code runs} "model_run" events. */
    private static Map<String, long[]> onnxRuntime(long[][] ids, int runs) throws IOException, OrtException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        Path prefix = Files.createTempDirectory("colossus-ort-profile").resolve("minilm");
        String profile;
        try (OrtSession.SessionOptions options = ModelBench.ortOptions(); InputStream onnx = ModelBench.resource("/all-minilm-l6-v2.onnx")) {
            options.enableProfiling(prefix.toString());
            try (OrtSession session = environment.createSession(onnx.readAllBytes(), options)) {
                Map<String, OnnxTensor> feeds = ModelBench.ortFeeds(environment, session, ids);
                for (int i = 0; i < 2 * runs; i++) {
                    session.run(feeds).close();
                }
                profile = session.endProfiling();
                feeds.values().forEach(OnnxTensor::close);
            }
        }
        JsonNode events = new ObjectMapper().readTree(Path.of(profile).toFile());
        Files.deleteIfExists(Path.of(profile));
        Files.deleteIfExists(prefix.getParent());
        List<long[]> passes = new ArrayList<>();
        for (JsonNode e : events) {
            if (e.path("name").asText().equals("model_run")) {
                passes.add(new long[] {e.path("ts").asLong(), e.path("ts").asLong() + e.path("dur").asLong()});
            }
        }
        passes.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> last = passes.subList(passes.size() - runs, passes.size());
        Map<String, long[]> kinds = new TreeMap<>();
        long wall = 0;
        for (long[] pass : last) {
            wall += 1000 * (pass[1] - pass[0]);
        }
        for (JsonNode e : events) {
            long ts = e.path("ts").asLong();
            if (e.path("cat").asText().equals("Node") && e.path("name").asText().endsWith("_kernel_time")
                    && last.stream().anyMatch(p -> ts >= p[0] && ts < p[1])) {
                add(kinds, e.path("args").path("op_name").asText(), 1000 * e.path("dur").asLong());
            }
        }
        kinds.put("", new long[] {runs, wall});
        return kinds;
    }

    private static void add(Map<String, long[]> kinds, String kind, long nanos) {
        long[] sum = kinds.computeIfAbsent(kind, k -> new long[2]);
        sum[0]++;
        sum[1] += nanos;
    }

    private static void print(String title, Map<String, long[]> kinds) {
        long[] passes = kinds.remove("");
        double runs = passes[0], wall = passes[1] / runs / 1e6;
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "## %s%n%n%.2f ms a pass.%n%n| op | calls a pass | ms a pass | share |%n|---|---|---|---|%n", title, wall));
        double inOps = 0;
        List<Map.Entry<String, long[]>> byTime = new ArrayList<>(kinds.entrySet());
        byTime.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        for (Map.Entry<String, long[]> e : byTime) {
            double ms = e.getValue()[1] / runs / 1e6;
            inOps += ms;
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.3f | %.1f%% |%n", e.getKey(), e.getValue()[0] / runs, ms, 100 * ms / wall));
        }
        md.append(String.format(Locale.ROOT, "| (outside the ops) | | %.3f | %.1f%% |%n%n", wall - inOps, 100 * (wall - inOps) / wall));
        System.out.print(md);
    }
}
