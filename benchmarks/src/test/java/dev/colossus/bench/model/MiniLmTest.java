package dev.colossus.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.colossus.DType;
import dev.colossus.Tensor;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MiniLm} on the CPU against the same model on ONNX Runtime (langchain4j's
 * AllMiniLmL6V2EmbeddingModel), the same tokenizer.json tokenizing for both: short and long
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
    private static HuggingFaceTokenizer tokenizer;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        try (InputStream in = MiniLmTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx");
                OnnxModel onnx = OnnxModel.read("all-minilm-l6-v2.onnx", MemorySegment.ofArray(in.readAllBytes()))) {
            model = MiniLm.fromOnnx(onnx);
        }
        Path json = dir.resolve("tokenizer.json");
        try (InputStream in = MiniLmTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Files.write(json, in.readAllBytes());
        }
        tokenizer = HuggingFaceTokenizer.newInstance(json);
    }

    @AfterAll
    static void close() {
        model.close();
        tokenizer.close();
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

    private static void compare(MiniLm model, double bound) {
        long[][] ids = new long[SENTENCES.size()][];
        int longest = 0;
        for (int i = 0; i < ids.length; i++) {
            Encoding encoding = tokenizer.encode(SENTENCES.get(i));
            ids[i] = encoding.getIds();
            longest = Math.max(longest, ids[i].length);
        }
        long[] padded = new long[ids.length * longest];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, padded, i * longest, ids[i].length);
        }
        AllMiniLmL6V2EmbeddingModel peer = new AllMiniLmL6V2EmbeddingModel();
        try (Tensor batch = Tensor.of(padded, ids.length, longest); Tensor embeddings = model.embed(batch)) {
            float[] ours = embeddings.toFloatArray();
            assertEquals(ids.length * MiniLm.HIDDEN, ours.length);
            for (int i = 0; i < ids.length; i++) {
                float[] theirs = peer.embed(SENTENCES.get(i)).content().vector();
                double dot = 0, a = 0, b = 0;
                for (int j = 0; j < MiniLm.HIDDEN; j++) {
                    double x = ours[i * MiniLm.HIDDEN + j], y = theirs[j];
                    dot += x * y;
                    a += x * x;
                    b += y * y;
                }
                double cosine = dot / Math.sqrt(a * b);
                int at = i;
                assertTrue(cosine >= bound, () -> "sentence " + at + " (" + ids[at].length + " tokens): cosine " + cosine + " to ORT's");
                assertEquals(1.0, Math.sqrt(a), 1e-5, "unit length");
            }
        }
    }
}
