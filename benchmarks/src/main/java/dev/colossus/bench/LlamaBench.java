package dev.colossus.bench;

import dev.colossus.Tensor;
import dev.colossus.bench.model.Llama;
import dev.colossus.bench.model.TorchLlama;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
 * Llama 3.2 1B on the CPU backend ({@link Llama}, seeded random BF16 weights written once to {@code
 * java.io.tmpdir} and memory-mapped) and on PyTorch 2.10 ({@link TorchLlama}, the same weights, as
 * many intra-op threads as the CPU backend has), batch 1:
 * <ul>
 *   <li>{@code decode}, {@code torchDecode}: a step after a prompt of {@link #CONTEXT} tokens; each
 *       iteration starts again at that position ({@code rewind}), so every step sees 512 to a few
 *       hundred more cached positions;</li>
 *   <li>{@code prefill}, {@code torchPrefill}: the {@link #CONTEXT}-token prompt from position 0;</li>
 *   <li>{@code copy}, the yardstick: {@link #COPY_BYTES} copied between two native buffers by as many
 *       threads as the CPU backend uses (a bulk copy each of an equal part), the rate that bounds a
 *       decode step, which reads every weight once: the bound is the weights' bytes over the copy's
 *       rate, counted as bytes read plus bytes written ({@link LlamaReport});</li>
 *   <li>{@code read}: the same bytes only read, summed as floats by as many threads (four vectors
 *       an iteration): what memory gives a reader, the bound the weights' bytes can reach at best.</li>
 * </ul>
 * {@code run} times each op in forks of its own. This machine's memory moves by a third from one
 * fork to the next (the copy of 1 GiB took 32-47 ms in one sitting's three forks), and a decode step
 * with it (58 ms in one stretch of a JVM's steps, 78 in the next), so {@code besideCopy} times the
 * op and the copy alternately, call by call in the same fork ({@link CopyBeside}): the bound and the
 * step under the same conditions. Every fork makes the yardstick's 2 GiB, whichever it runs.
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

    @Param({"copy", "read", "decode", "torchDecode", "prefill", "torchPrefill"})
    public String op;

    private Llama llama;
    private TorchLlama torch;
    private long[] prompt;
    private Yardstick yardstick;

    @Setup
    public void setUp() throws IOException {
        yardstick = new Yardstick(COPY_BYTES);
        if (op.equals("copy") || op.equals("read")) {
            return;
        }
        Path file = Llama.randomOneB();
        prompt = new long[CONTEXT];
        for (int i = 0; i < CONTEXT; i++) {
            prompt[i] = (7919L * i) % Llama.Config.LLAMA_3_2_1B.vocab();
        }
        if (op.startsWith("torch")) {
            OpenBlasPeer.refuseForcedKernel(); // PyTorch's CPU library links OpenBLAS
            torch = TorchLlama.load(file, Runtime.getRuntime().availableProcessors());
            torch.forward(prompt);
        } else {
            llama = Llama.load(file);
            llama.forward(prompt).close();
            System.out.printf("%nweights: %d bytes%n", llama.weightBytes());
        }
    }

    @Setup(Level.Iteration)
    public void toTheContext() {
        if (llama != null) {
            llama.rewind(CONTEXT);
        }
        if (torch != null) {
            torch.rewind(CONTEXT);
        }
    }

    @Benchmark
    public long run() {
        switch (op) {
            case "copy" -> {
                return yardstick.copy();
            }
            case "read" -> {
                return (long) yardstick.read();
            }
            case "decode" -> {
                try (Tensor logits = llama.forward(new long[] {42})) {
                    return logits.numel();
                }
            }
            case "prefill" -> {
                llama.reset();
                try (Tensor logits = llama.forward(prompt)) {
                    return logits.numel();
                }
            }
            case "torchDecode" -> {
                return torch.forward(new long[] {42}).length;
            }
            case "torchPrefill" -> {
                torch.reset();
                return torch.forward(prompt).length;
            }
            default -> throw new IllegalArgumentException("LlamaBench: no op " + op);
        }
    }

    /** The copy, then the op, each timed ({@link CopyBeside}). */
    @Benchmark
    public long besideCopy(CopyBeside beside) throws InterruptedException {
        return beside.time(yardstick, this::run);
    }

    @TearDown
    public void tearDown() {
        if (llama != null) {
            llama.close();
        }
        if (torch != null) {
            torch.close();
        }
        if (yardstick != null) {
            yardstick.close();
        }
    }
}
