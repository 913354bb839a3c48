package dev.colossus.bench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Tensor;
import dev.colossus.io.SafeTensors;
import dev.colossus.spi.HostStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Llama} in its tiny configuration (2 layers, vocab 4096), seeded random weights written to
 * safetensors and mapped back: F32 logits on the CPU backend within relative L2 1e-5 of the reference
 * backend's in F64, and the KV cache's decode steps equal to prefilling the whole sequence again.
 */
class LlamaTest {
    private static final Llama.Config TINY = Llama.Config.TINY;
    private static final int[] PROMPT = {1, 17, 4095, 300, 2, 2, 999, 42, 7, 3000, 11, 64};

    private static double relativeL2(float[] actual, double[] expected) {
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.length; i++) {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }

    private static double[] toDoubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static long[] ids(int[] tokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            ids[i] = tokens[i];
        }
        return ids;
    }

    @Test
    void logitsMatchTheReferenceInF64(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 5, file);
        float[] cpu;
        try (Llama model = Llama.load(file); Tensor logits = model.forward(ids(PROMPT))) {
            cpu = logits.toFloatArray();
        }
        SafeTensors weights = SafeTensors.read(file);
        Map<String, Tensor> wide = new LinkedHashMap<>();
        for (String name : weights.names()) {
            wide.put(name, weights.get(name).to(DType.F64));
        }
        double[] reference = Backends.using(Backends.get("reference"), () -> {
            try (Llama model = Llama.of(TINY, wide); Tensor logits = model.forward(ids(PROMPT))) {
                return logits.toDoubleArray();
            }
        });
        assertEquals(TINY.vocab(), cpu.length);
        double error = relativeL2(cpu, reference);
        assertTrue(error <= 1e-5, "relative L2 " + error + " against the reference in F64");
    }

    /** The weights' count and bytes, by the configuration and by the file, and the cache's rewind. */
    @Test
    void weightsAreCountedAndTheCacheRewinds(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 5, file);
        try (Llama model = Llama.load(file)) {
            assertEquals(4 * TINY.parameters(), model.weightBytes());
            float[] first;
            try (Tensor logits = model.forward(ids(PROMPT))) {
                first = logits.toFloatArray();
            }
            model.forward(new long[] {5}).close();
            model.rewind(PROMPT.length - 1);
            try (Tensor again = model.forward(new long[] {PROMPT[PROMPT.length - 1]})) {
                assertTrue(relativeL2(again.toFloatArray(), toDoubles(first)) <= 1e-6, "the last prompt token again, from the cache");
            }
            assertThrows(IllegalArgumentException.class, () -> model.rewind(PROMPT.length + 1));
        }
    }

    /**
     * Sampling is a function of the seed: k = 1 is greedy, a seed gives its tokens again, and on the
     * reference backend too (its logits agree to about 1e-7, and no draw of these seeds falls that close
     * to a boundary between two tokens' probabilities).
     */
    @Test
    void topKSamplingIsSeededAndGreedyAtK1(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 7, file);
        try (Llama model = Llama.load(file)) {
            int[] greedy = model.generate(PROMPT, 6);
            assertArrayEquals(greedy, model.generate(PROMPT, 6, 1, 0.7, 1), "k = 1 is greedy");
            int[] sampled = model.generate(PROMPT, 12, 40, 1.5, 3);
            assertArrayEquals(sampled, model.generate(PROMPT, 12, 40, 1.5, 3), "the same seed, the same tokens");
            int[] reference = Backends.using(Backends.get("reference"), () -> model.generate(PROMPT, 12, 40, 1.5, 3));
            assertArrayEquals(sampled, reference, "the same tokens on the reference backend");
            assertTrue(!java.util.Arrays.equals(sampled, model.generate(PROMPT, 12, 40, 1.5, 4)), "another seed, other tokens");
        }
    }

    /**
     * 10,000 decode steps leave the live native memory no higher than the first generation left it:
     * nothing leaks per step. No higher rather than equal: a collection meanwhile may clean tensors
     * that other tests forgot, which lowers the process's counts (a leak of one block a step would
     * raise the allocations by 10,000).
     */
    @Test
    void decodingLeavesNoMemoryBehind(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 8, file);
        try (Llama model = Llama.load(file)) {
            model.generate(PROMPT, 100);
            long bytes = HostStorage.liveBytes(), allocations = HostStorage.liveAllocations();
            for (int run = 0; run < 100; run++) {
                model.generate(PROMPT, 100);
            }
            assertTrue(HostStorage.liveAllocations() <= allocations,
                    HostStorage.liveAllocations() + " live allocations after 10,000 more steps, " + allocations + " before");
            assertTrue(HostStorage.liveBytes() <= bytes, HostStorage.liveBytes() + " live bytes after 10,000 more steps, " + bytes + " before");
        }
    }

    @Test
    void decodeStepsWithTheCacheEqualPrefillingEverything(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 6, file);
        try (Llama model = Llama.load(file)) {
            int steps = 8;
            int[] generated = model.generate(PROMPT, steps);
            assertEquals(PROMPT.length + steps - 1, model.position());
            int[] sequence = new int[PROMPT.length + steps];
            System.arraycopy(PROMPT, 0, sequence, 0, PROMPT.length);
            System.arraycopy(generated, 0, sequence, PROMPT.length, steps);
            int[] again = new int[steps];
            for (int t = 0; t < steps; t++) {
                model.reset();
                int[] prefix = java.util.Arrays.copyOf(sequence, PROMPT.length + t);
                try (Tensor logits = model.forward(ids(prefix))) {
                    float[] values = logits.toFloatArray();
                    int best = 0;
                    for (int j = 1; j < values.length; j++) {
                        best = values[j] > values[best] ? j : best;
                    }
                    again[t] = best;
                }
            }
            assertArrayEquals(generated, again, "greedy tokens from the cache and from prefilling everything");
        }
    }

    /**
     * Three sequences stepped together, a prompt and then two decode steps, give each sequence's logits
     * as a model of one sequence gives them alone: the batch shares the weights, never the cache.
     */
    @Test
    void aBatchStepsEachSequenceAsAloneDoes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 7, file);
        long[][] prompts = {{1, 17, 4095, 300, 2}, {9, 8, 7, 6, 5}, {42, 42, 42, 0, 4000}};
        long[][][] steps = {{{5}, {6}, {7}}, {{100}, {200}, {300}}};
        try (Llama batched = Llama.load(file, Device.CPU, 3); Llama alone = Llama.load(file)) {
            float[][] together = new float[steps.length + 1][];
            try (Tensor logits = batched.forward(prompts)) {
                assertArrayEquals(new long[] {3, TINY.vocab()}, logits.shape().dims());
                together[0] = logits.toFloatArray();
            }
            for (int t = 0; t < steps.length; t++) {
                try (Tensor logits = batched.forward(steps[t])) {
                    together[t + 1] = logits.toFloatArray();
                }
            }
            for (int b = 0; b < prompts.length; b++) {
                alone.reset();
                for (int t = 0; t <= steps.length; t++) {
                    try (Tensor logits = alone.forward(t == 0 ? prompts[b] : steps[t - 1][b])) {
                        float[] expected = logits.toFloatArray();
                        float[] actual = java.util.Arrays.copyOfRange(together[t], b * TINY.vocab(), (b + 1) * TINY.vocab());
                        double error = relativeL2(actual, toDoubles(expected));
                        assertTrue(error <= 1e-6, "sequence " + b + ", call " + t + ": relative L2 " + error);
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> batched.forward(new long[] {1}));
            assertThrows(IllegalArgumentException.class, () -> batched.forward(new long[][] {{1}, {2, 3}, {4}}));
            assertThrows(IllegalArgumentException.class, () -> batched.forward(new long[][] {{}, {}, {}}));
        }
    }
}
