package dev.colossus.bench.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.colossus.DType;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link MiniLm} over a real corpus against ONNX Runtime: the distinct sentences of Perl's diagnostics
 * as Debian ships them ({@code sentences.txt}, made by {@code make_sentences.py}) that take at most 128
 * tokens, in batches of 32 padded to their longest. The issue's bounds on the least cosine: 0.99999 in
 * F32, 0.999 with BF16 weights.
 */
class MiniLmCorpusTest {
    private static final int BATCH = 32;
    /** The issue's range: sentences of up to 128 tokens, [CLS] and [SEP] included (the tokenizer.json's own limit). */
    private static final int MAX_TOKENS = 128;
    private static String lengths;
    private static List<String> sentences;
    private static List<float[]> peer;
    private static MiniLm model;

    @BeforeAll
    static void load() throws IOException {
        sentences = new ArrayList<>();
        int shortest = Integer.MAX_VALUE, longest = 0;
        try (InputStream in = MiniLmCorpusTest.class.getResourceAsStream("sentences.txt");
                InputStream json = MiniLmCorpusTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json");
                HuggingFaceTokenizer counter = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false", "padding", "false"))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int tokens = line.isEmpty() || line.startsWith("#") ? 0 : counter.encode(line).getIds().length;
                if (tokens > 0 && tokens <= MAX_TOKENS) {
                    sentences.add(line);
                    shortest = Math.min(shortest, tokens);
                    longest = Math.max(longest, tokens);
                }
            }
        }
        lengths = shortest + " to " + longest + " tokens";
        AllMiniLmL6V2EmbeddingModel ort = new AllMiniLmL6V2EmbeddingModel();
        peer = ort.embedAll(sentences.stream().map(TextSegment::from).toList()).content().stream().map(e -> e.vector()).toList();
        model = MiniLm.load();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void f32EmbeddingsOfTheCorpus() {
        assertTrue(sentences.size() >= 2000, sentences.size() + " sentences of " + lengths);
        assertLeastCosine(model, 0.99999);
    }

    @Test
    void bf16EmbeddingsOfTheCorpus() {
        try (MiniLm bf16 = model.to(DType.BF16)) {
            assertLeastCosine(bf16, 0.999);
        }
    }

    private static void assertLeastCosine(MiniLm model, double bound) {
        double least = 1;
        int worst = -1;
        for (int from = 0; from < sentences.size(); from += BATCH) {
            List<String> batch = sentences.subList(from, Math.min(sentences.size(), from + BATCH));
            float[][] ours = model.embed(batch);
            for (int i = 0; i < ours.length; i++) {
                double cosine = MiniLmTest.cosine(ours[i], peer.get(from + i));
                if (cosine < least) {
                    least = cosine;
                    worst = from + i;
                }
            }
        }
        double found = least;
        String sentence = sentences.get(worst);
        assertTrue(least >= bound, () -> "least cosine " + found + " to ORT's over " + sentences.size() + " sentences of " + lengths
                + ", for \"" + sentence + "\"");
    }
}
