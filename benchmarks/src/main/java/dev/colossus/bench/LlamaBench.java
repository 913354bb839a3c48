package dev.colossus.bench;

import dev.colossus.DType;
import dev.colossus.Tensor;
import dev.colossus.bench.model.Llama;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Llama 3.2 1B decode step on the CPU backend ({@link Llama}, seeded random BF16 weights written
 * once to {@code java.io.tmpdir} and memory-mapped), batch 1, after a prompt of {@link #CONTEXT}
 * tokens: each iteration starts again at that position ({@link Llama#rewind}), so every step sees 512
 * to about 530 cached positions. Beside it the yardstick, {@code copy}: {@link #COPY_BYTES} copied
 * between two native buffers by as many threads as the CPU backend uses (a bulk copy each of an equal
 * part), the rate that bounds a step, which reads every weight once: the bound is the weights' bytes
 * over the copy's rate, counted as bytes read plus bytes written ({@link LlamaReport}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LlamaBench {
    /** Prompt tokens before the measured steps. */
    static final int CONTEXT = 512;
    /** The copy yardstick's bytes: far past every cache, as a step's 2.5 GB of weights are. */
    static final long COPY_BYTES = 1L << 30;
    private static final int PARTS = Runtime.getRuntime().availableProcessors();

    @Param({"copy", "decode"})
    public String op;

    private Llama llama;
    private Arena arena;
    private MemorySegment from;
    private MemorySegment to;

    @Setup
    public void setUp() throws IOException {
        if (op.equals("copy")) {
            arena = Arena.ofShared();
            from = arena.allocate(COPY_BYTES, 64).fill((byte) 1);
            to = arena.allocate(COPY_BYTES, 64).fill((byte) 0);
            return;
        }
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "colossus-llama-3.2-1b-random-bf16.safetensors");
        if (!Files.exists(file)) {
            Path partial = Files.createTempFile(file.getParent(), "colossus-llama", ".partial");
            Llama.writeRandom(Llama.Config.LLAMA_3_2_1B, DType.BF16, 1, partial);
            Files.move(partial, file);
        }
        llama = Llama.load(file);
        long[] prompt = new long[CONTEXT];
        for (int i = 0; i < CONTEXT; i++) {
            prompt[i] = (7919L * i) % Llama.Config.LLAMA_3_2_1B.vocab();
        }
        llama.forward(prompt).close();
        System.out.printf("%nweights: %d bytes%n", llama.weightBytes());
    }

    @Setup(Level.Iteration)
    public void toTheContext() {
        if (llama != null) {
            llama.rewind(CONTEXT);
        }
    }

    @Benchmark
    public long run() {
        if (llama == null) {
            long part = COPY_BYTES / PARTS;
            IntStream.range(0, PARTS).parallel().forEach(p -> MemorySegment.copy(from, p * part, to, p * part, part));
            return COPY_BYTES;
        }
        try (Tensor logits = llama.forward(new long[] {42})) {
            return logits.numel();
        }
    }

    @TearDown
    public void tearDown() {
        if (llama != null) {
            llama.close();
        }
        if (arena != null) {
            arena.close();
        }
    }
}
