package dev.colossus.bench;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.bench.model.MiniLm;
import dev.colossus.spi.Backend;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The tour: lists the backends, runs matmul (N = 1024, 2048) and attention (B = 1, H = 16, L = 1024,
 * D = 64, plain and causal) and a real model (all-MiniLM-L6-v2's embeddings of four sentences) in F32
 * on every available backend, checks each result against the reference backend (on sampled rows for
 * the large ones), and prints a table of time and GFLOP/s. Exits with status 1 if any check fails.
 *
 * <p>The reference backend is plain loops (seconds per product), so it runs on a 16-row sample and
 * its GFLOP/s is that sample's.
 */
public final class Tour {
    private static final int SAMPLE = 16;
    private static final int REPEATS = 5;
    /** Rounds of runs go on for at least this long, so that the JIT has begun compiling the kernels... */
    private static final double WARM_UP_SECONDS = 3;
    /** ... and then until a round is no faster than the one before, or this long has passed. */
    private static final double MOST_SECONDS = 12;
    private static final double TOLERANCE = 1e-5;

    private final List<String> failures = new ArrayList<>();

    private Tour() {
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        System.out.println("Colossus tour\n");
        System.out.println(Backends.describe());
        Tour tour = new Tour();
        System.out.printf("%-40s %-10s %10s %9s  %s%n", "op", "backend", "time (ms)", "GFLOP/s", "check against the reference");
        for (String name : Backends.availableNames()) {
            Backend backend = Backends.get(name);
            for (int n : new int[] {1024, 2048}) {
                tour.matmul(backend, n);
            }
            for (boolean causal : new boolean[] {false, true}) {
                tour.attention(backend, 1, 16, 1024, 64, causal);
            }
            tour.miniLm(backend);
        }
        if (!tour.failures.isEmpty()) {
            System.out.println("\nFAILED: " + String.join("; ", tour.failures));
            System.exit(1);
        }
        System.out.println("\nEvery result matches the reference.");
    }

    private void matmul(Backend backend, int n) {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.randn(1, DType.F32, n, n);
            Tensor b = Tensor.randn(2, DType.F32, n, n);
            String op = "matmul " + n + "x" + n + "x" + n;
            boolean sampled = backend.name().equals("reference");
            Tensor lhs = sampled ? a.narrow(0, 0, SAMPLE) : a;
            double flops = 2.0 * lhs.size(0) * n * n;
            Tensor onDevice = lhs.to(backend.device()), bOnDevice = b.to(backend.device());
            Timed result = time(backend, () -> Ops.matmul(onDevice, bOnDevice));
            Tensor c = result.value().to(Device.CPU);
            double error = 0;
            for (long row : sampleRows(lhs.size(0))) {
                Tensor expected = reference(() -> Ops.matmul(lhs.narrow(0, row, 1), b));
                error = Math.max(error, relativeL2(expected, c.narrow(0, row, 1)));
            }
            report(op + (sampled ? " (16 rows)" : ""), backend, result.seconds(), flops, error);
        }
    }

    private void attention(Backend backend, int batch, int heads, int length, int headDim, boolean causal) {
        try (Scope scope = Scope.open()) {
            Tensor q = Tensor.randn(3, DType.F32, batch, heads, length, headDim);
            Tensor k = Tensor.randn(4, DType.F32, batch, heads, length, headDim);
            Tensor v = Tensor.randn(5, DType.F32, batch, heads, length, headDim);
            AttentionOptions options = AttentionOptions.defaults().causal(causal);
            boolean sampled = backend.name().equals("reference");
            // the last rows: with causal alignment bottom-right, they are the full problem's last rows
            Tensor queries = sampled ? q.narrow(2, length - SAMPLE, SAMPLE) : q;
            long lq = queries.size(2);
            double flops = 4.0 * batch * heads * lq * length * headDim * (causal && !sampled ? 0.5 : 1);
            Tensor qd = queries.to(backend.device()), kd = k.to(backend.device()), vd = v.to(backend.device());
            Timed result = time(backend, () -> Ops.scaledDotProductAttention(qd, kd, vd, options));
            Tensor out = result.value().to(Device.CPU);
            double error = 0;
            for (long row : sampleRows(lq)) {
                long i = row + (length - lq);
                long visible = causal ? i + 1 : length;
                Tensor expected = reference(() -> Ops.scaledDotProductAttention(queries.narrow(2, row, 1),
                        k.narrow(2, 0, visible), v.narrow(2, 0, visible)));
                error = Math.max(error, relativeL2(expected, out.narrow(2, row, 1)));
            }
            String op = "attention " + batch + "x" + heads + "x" + length + "x" + headDim + (causal ? " causal" : "");
            report(op + (sampled ? " (16 rows)" : ""), backend, result.seconds(), flops, error);
        }
    }

    /**
     * all-MiniLM-L6-v2 ({@link MiniLm}) on four sentences, the embeddings checked against the reference
     * backend's; GFLOP/s counts the products and attention. On the host's backends only (its weights
     * are mapped from a file on the host), and only where its ONNX file is on the class path.
     */
    private void miniLm(Backend backend) {
        String op = "MiniLM-L6 embeddings, 4 sentences";
        if (!backend.device().equals(Device.CPU)) {
            System.out.printf("%-40s %-10s %s%n", op, backend.name(), "skipped: the model's weights are on the host");
            return;
        }
        List<String> sentences = List.of("Colossus runs tensors on the JVM.", "The tour checks every backend against the reference.",
                "A sentence embedding is the mean of its tokens' last hidden states, made unit length.", "Short one.");
        try (MiniLm model = MiniLm.load(); Scope scope = Scope.open()) {
            Tensor ids = model.tokens(sentences);
            long tokens = ids.size(1);
            double flops = 2.0 * sentences.size() * tokens * MiniLm.LAYERS * (4 * MiniLm.HIDDEN + 2 * MiniLm.INTERMEDIATE) * MiniLm.HIDDEN
                    + 4.0 * sentences.size() * MiniLm.LAYERS * MiniLm.HEADS * tokens * tokens * MiniLm.HEAD_DIM;
            Timed result = time(backend, () -> model.embed(ids));
            double error = relativeL2(reference(() -> model.embed(ids)), result.value());
            report(op, backend, result.seconds(), flops, error, "over the 4 embeddings");
        } catch (IOException e) {
            System.out.printf("%-40s %-10s %s%n", op, backend.name(), "skipped: " + e.getMessage());
        }
    }

    private record Timed(Tensor value, double seconds) {
    }

    /**
     * The best run once the op is warm: rounds of {@link #REPEATS} runs, for at least {@link
     * #WARM_UP_SECONDS} and then until a round's best is no more than 2% below the round before's (the
     * JIT has finished with the kernels), or {@link #MOST_SECONDS} have passed. A fixed half second
     * of warm-up timed the 2048^3 product at half of JMH's rate. The last result is kept.
     */
    private static Timed time(Backend backend, Supplier<Tensor> op) {
        Tensor result = Backends.using(backend, op);
        long start = System.nanoTime();
        double best = Double.MAX_VALUE;
        while (true) {
            double round = Double.MAX_VALUE;
            for (int i = 0; i < REPEATS; i++) {
                result.close();
                long runStart = System.nanoTime();
                result = Backends.using(backend, op);
                backend.synchronize();
                round = Math.min(round, (System.nanoTime() - runStart) / 1e9);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            boolean settled = elapsed >= WARM_UP_SECONDS && round > 0.98 * best;
            best = Math.min(best, round);
            if (settled || elapsed >= MOST_SECONDS) {
                return new Timed(result, best);
            }
        }
    }

    private static Tensor reference(Supplier<Tensor> op) {
        return Backends.using(Backends.get("reference"), op);
    }

    /** {@link #SAMPLE} rows spread evenly over {@code rows}, first and last included. */
    private static long[] sampleRows(long rows) {
        int count = (int) Math.min(SAMPLE, rows);
        long[] sample = new long[count];
        for (int i = 0; i < count; i++) {
            sample[i] = count == 1 ? 0 : i * (rows - 1) / (count - 1);
        }
        return sample;
    }

    private static double relativeL2(Tensor expected, Tensor actual) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        double diff = 0, norm = 0;
        for (int i = 0; i < e.length; i++) {
            diff += (a[i] - e[i]) * (double) (a[i] - e[i]);
            norm += e[i] * (double) e[i];
        }
        return Math.sqrt(diff / norm);
    }

    private void report(String op, Backend backend, double seconds, double flops, double error) {
        report(op, backend, seconds, flops, error, "over " + SAMPLE + " sampled rows");
    }

    private void report(String op, Backend backend, double seconds, double flops, double error, String checked) {
        boolean ok = error <= TOLERANCE;
        String check = backend.name().equals("reference") ? "(is the reference)"
                : String.format("%s (worst relative L2 %.1e %s)", ok ? "ok" : "FAILED", error, checked);
        System.out.printf("%-40s %-10s %10.2f %9.1f  %s%n", op, backend.name(), seconds * 1e3, flops / seconds / 1e9, check);
        if (!ok) {
            failures.add(op + " on " + backend.name() + ": relative L2 " + error);
        }
    }
}
