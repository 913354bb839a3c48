package dev.colossus.bench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Llama} on the CPU backend against {@link TorchLlama}, PyTorch 2.10 running the same weights,
 * in the tiny configuration with F32 weights: the logits of a prompt, and of three more tokens after
 * it (the causal mask over a cached prefix), within relative L2 1e-5; 64 greedy steps give the same
 * tokens.
 */
class TorchLlamaTest {
    private static final Llama.Config TINY = Llama.Config.TINY;
    private static final int[] PROMPT = {1, 17, 4095, 300, 2, 2, 999, 42, 7, 3000, 11, 64};
    private static final long[] MORE = {5, 4000, 12};

    private static double relativeL2(float[] actual, float[] expected) {
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.length; i++) {
            diff += ((double) actual[i] - expected[i]) * ((double) actual[i] - expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }

    private static long[] ids(int[] tokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            ids[i] = tokens[i];
        }
        return ids;
    }

    private static float[] logits(Llama model, long[] ids) {
        try (Tensor logits = model.forward(ids)) {
            return logits.toFloatArray();
        }
    }

    @Test
    void logitsMatchPyTorch(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 5, file);
        try (Llama colossus = Llama.load(file); TorchLlama torch = TorchLlama.load(file, 2)) {
            double prompt = relativeL2(logits(colossus, ids(PROMPT)), torch.forward(ids(PROMPT)));
            assertTrue(prompt <= 1e-5, "the prompt's logits: relative L2 " + prompt + " against PyTorch");
            double more = relativeL2(logits(colossus, MORE), torch.forward(MORE));
            assertTrue(more <= 1e-5, "three tokens after the prompt: relative L2 " + more + " against PyTorch");
        }
    }

    @Test
    void greedyTokensMatchPyTorch(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.safetensors");
        Llama.writeRandom(TINY, DType.F32, 9, file);
        try (Llama colossus = Llama.load(file); TorchLlama torch = TorchLlama.load(file, 2)) {
            assertArrayEquals(torch.generate(PROMPT, 64), colossus.generate(PROMPT, 64), "64 greedy steps");
        }
    }
}
