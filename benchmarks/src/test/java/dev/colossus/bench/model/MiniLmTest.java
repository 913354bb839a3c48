package dev.colossus.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Tensor;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link MiniLm#load} and {@link MiniLm#embed(List)} on the CPU against the same model on ONNX Runtime
 * (langchain4j's AllMiniLmL6V2EmbeddingModel), the same tokenizer.json tokenizing for both: short and long
 * sentences in one padded batch, each embedding within cosine 0.99999 of ORT's in F32, 0.999 with
 * BF16 weights (the bounds).
 */
class MiniLmTest {
    private static final List<String> SENTENCES = List.of(
            "Hello.",
            "The quick brown fox jumps over the lazy dog.",
            "Colossus is a tensor library for Java with GPU offload.",
            "A",
            "In 1905, Einstein published four papers that changed physics: on the photoelectric effect, Brownian motion, special"
                    + " relativity, and the equivalence of mass and energy.",
            "Numbers like 3.14159, 2.71828 and 1.41421 appear everywhere; so do words such as supercalifragilistic.",
            "Der schnelle braune Fuchs springt über den faulen Hund.",
            "?!");
    private static MiniLm model;

    @BeforeAll
    static void load() throws IOException {
        model = MiniLm.load();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void embeddingsMatchOnnxRuntime() {
        compare(model, 0.99999);
    }

    @Test
    void bf16EmbeddingsStayClose() {
        try (MiniLm bf16 = model.to(DType.BF16)) {
            compare(bf16, 0.999);
        }
    }

    /**
     * {@link MiniLm#random}'s weights have the loaded model's names, shapes and dtypes, so a GPU run of
     * them times the real model's work; moved to a device (the CPU here) the model gives the same
     * embeddings, of unit length.
     */
    @Test
    void randomWeightsHaveTheModelsShapes() {
        try (MiniLm random = MiniLm.random(3); MiniLm moved = random.to(Device.CPU);
                Tensor ids = Tensor.of(new long[] {101, 7592, 1012, 102, 0, 101, 2023, 2003, 1037, 102}, 2, 5)) {
            // the ONNX file's position_ids, (1, 512) I64 0..511, are kept but never read
            java.util.Set<String> read = new java.util.HashSet<>(model.weights().keySet());
            read.remove("embeddings.position_ids");
            assertEquals(read, random.weights().keySet());
            read.forEach(name -> {
                Tensor t = model.weights().get(name);
                assertEquals(t.shape(), random.weights().get(name).shape(), name);
                assertEquals(t.dtype(), random.weights().get(name).dtype(), name);
            });
            try (Tensor a = random.embed(ids); Tensor b = moved.embed(ids)) {
                float[] x = a.toFloatArray(), y = b.toFloatArray();
                assertEquals(2 * MiniLm.HIDDEN, x.length);
                for (int i = 0; i < 2; i++) {
                    float[] row = java.util.Arrays.copyOfRange(x, i * MiniLm.HIDDEN, (i + 1) * MiniLm.HIDDEN);
                    assertEquals(1.0, Math.sqrt(dot(row, row)), 1e-5, "unit length");
                }
                // not bit for bit: a JVM's first calls reduce vector lanes in another order than C2's code
                for (int j = 0; j < x.length; j++) {
                    assertEquals(x[j], y[j], 1e-6, "element " + j);
                }
            }
        }
    }

    private static void compare(MiniLm model, double bound) {
        float[][] ours = model.embed(SENTENCES);
        AllMiniLmL6V2EmbeddingModel peer = new AllMiniLmL6V2EmbeddingModel();
        assertEquals(SENTENCES.size(), ours.length);
        for (int i = 0; i < ours.length; i++) {
            double cosine = cosine(ours[i], peer.embed(SENTENCES.get(i)).content().vector());
            int at = i;
            assertTrue(cosine >= bound, () -> "sentence " + at + ": cosine " + cosine + " to ORT's");
            assertEquals(1.0, Math.sqrt(dot(ours[i], ours[i])), 1e-5, "unit length");
        }
    }

    /** {@code a . b / (|a| |b|)}, in double. */
    static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            sum += (double) a[j] * b[j];
        }
        return sum;
    }
}
