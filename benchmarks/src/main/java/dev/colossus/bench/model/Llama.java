package dev.colossus.bench.model;

import dev.colossus.AttentionOptions;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.ValuesAndIndices;
import dev.colossus.io.SafeTensors;
import dev.colossus.op.UnaryFn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The Llama decoder on Colossus's public API: pre-norm blocks of grouped-query attention with rotary
 * position embeddings (rotate-half) and a SwiGLU MLP, RMSNorm, tied input and output embeddings, and a
 * KV cache written in place a step at a time, for B sequences stepped together, on the device that holds
 * the weights. Weights by Hugging Face's names, (out, in).
 *
 * <pre>
 *   x = embed[ids]                                   (B, n, H)
 *   per layer:  h = rmsNorm(x)
 *               q, k, v = h Wqᵀ, h Wkᵀ, h Wvᵀ         (B, Hq|Hkv, n, D), q and k turned by their positions
 *               cache[pos, pos + n) = k, v
 *               x += softmax(q Kᵀ / √D + causal) V Woᵀ  over the cache's first pos + n positions
 *               x += (silu(h' Wgᵀ) ⊙ h' Wuᵀ) Wdᵀ      h' = rmsNorm(x)
 *   logits = rmsNorm(x) embedᵀ                       (B, V) for the last position
 * </pre>
 */
public final class Llama implements AutoCloseable {
    /** A Llama configuration: Llama 3.2 1B is {@link #LLAMA_3_2_1B}. */
    public record Config(int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate, int vocab, double ropeTheta,
            double eps, int maxPositions) {
        public static final Config LLAMA_3_2_1B = new Config(2048, 16, 32, 8, 64, 8192, 128256, 500_000, 1e-5, 4096);
        /** For tests: 2 layers, vocab 4096. */
        public static final Config TINY = new Config(64, 2, 4, 2, 16, 128, 4096, 10_000, 1e-5, 256);

        /** The weights' count: the embedding (tied to the output), and per layer two norms, the four attention and three MLP products; the final norm. */
        public long parameters() {
            long h = hidden, q = (long) heads * headDim, kv = (long) kvHeads * headDim;
            return h * vocab + layers * (2 * h + 2 * q * h + 2 * kv * h + 3L * intermediate * h) + h;
        }

        /** The rotary angle of pair i of a head at position p: {@code p theta^(-2i / D)}. */
        double angle(int p, int i) {
            return p * Math.pow(ropeTheta, -2.0 * i / headDim);
        }

        /** The configuration as safetensors metadata, one entry a field. */
        Map<String, String> metadata() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("hidden", "" + hidden);
            m.put("layers", "" + layers);
            m.put("heads", "" + heads);
            m.put("kvHeads", "" + kvHeads);
            m.put("headDim", "" + headDim);
            m.put("intermediate", "" + intermediate);
            m.put("vocab", "" + vocab);
            m.put("ropeTheta", "" + ropeTheta);
            m.put("eps", "" + eps);
            m.put("maxPositions", "" + maxPositions);
            return m;
        }

        static Config of(Path file, Map<String, String> m) throws IOException {
            try {
                return new Config(Integer.parseInt(m.get("hidden")), Integer.parseInt(m.get("layers")), Integer.parseInt(m.get("heads")),
                        Integer.parseInt(m.get("kvHeads")), Integer.parseInt(m.get("headDim")), Integer.parseInt(m.get("intermediate")),
                        Integer.parseInt(m.get("vocab")), Double.parseDouble(m.get("ropeTheta")), Double.parseDouble(m.get("eps")),
                        Integer.parseInt(m.get("maxPositions")));
            } catch (RuntimeException e) {
                throw new IOException(file + ": its metadata " + m + " is not a Llama configuration (" + e.getMessage() + ")", e);
            }
        }
    }

    private final Config config;
    private final Map<String, Tensor> weights;
    private final Device device;              // the weights', the cache's and the computation's
    private final int batch;                  // the sequences stepped together
    private final Tensor cos, sin;            // (maxPositions, D/2) in the weights' dtype
    private final Tensor[] keys, values;      // per layer (B, Hkv, maxPositions, D)
    private int position;

    private Llama(Config config, Map<String, Tensor> weights, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("Llama: a batch of " + batch + " sequences");
        }
        this.config = config;
        this.weights = weights;
        this.batch = batch;
        Tensor embed = weights.get("model.embed_tokens.weight");
        DType dtype = embed.dtype();
        device = embed.device();
        int half = config.headDim() / 2;
        double[] c = new double[config.maxPositions() * half], s = new double[c.length];
        for (int p = 0; p < config.maxPositions(); p++) {
            for (int i = 0; i < half; i++) {
                c[p * half + i] = Math.cos(config.angle(p, i));
                s[p * half + i] = Math.sin(config.angle(p, i));
            }
        }
        try (Tensor c64 = Tensor.of(c, config.maxPositions(), half); Tensor s64 = Tensor.of(s, config.maxPositions(), half);
                Tensor cosHost = c64.to(dtype); Tensor sinHost = s64.to(dtype)) {
            cos = cosHost.to(device);
            sin = sinHost.to(device);
        }
        keys = new Tensor[config.layers()];
        values = new Tensor[config.layers()];
        for (int i = 0; i < config.layers(); i++) {
            keys[i] = zeros(dtype, batch, config.kvHeads(), config.maxPositions(), config.headDim());
            values[i] = zeros(dtype, batch, config.kvHeads(), config.maxPositions(), config.headDim());
        }
    }

    /** Zeros on this model's device. */
    private Tensor zeros(DType dtype, long... shape) {
        try (Tensor host = Tensor.zeros(dtype, shape)) {
            return host.to(device);
        }
    }

    /** The model from weights by name (a safetensors file's, mapped), for one sequence, on the weights' device. */
    public static Llama of(Config config, Map<String, Tensor> weights) {
        return of(config, weights, 1);
    }

    /** The model from weights by name, for {@code batch} sequences stepped together, on the weights' device. */
    public static Llama of(Config config, Map<String, Tensor> weights, int batch) {
        return new Llama(config, new LinkedHashMap<>(weights), batch);
    }

    /** The model from a safetensors file, memory-mapped, its configuration in the file's metadata (as {@link #writeRandom} writes it). */
    public static Llama load(Path safetensors) throws IOException {
        return load(safetensors, Device.CPU, 1);
    }

    /**
     * The model from a safetensors file on {@code device} (on the CPU the mapped weights themselves,
     * elsewhere a copy), for {@code batch} sequences stepped together.
     */
    public static Llama load(Path safetensors, Device device, int batch) throws IOException {
        SafeTensors file = SafeTensors.read(safetensors);
        Config config = Config.of(safetensors, file.metadata());
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (String name : file.names()) {
            try (Tensor mapped = file.get(name)) {
                weights.put(name, mapped.to(device));
            }
        }
        return of(config, weights, batch);
    }

    /**
     * Seeded random weights of {@code config} in {@code dtype} (normal, scaled 1/√in; norms 1), written to
     * {@code file} with the configuration in its metadata.
     */
    public static void writeRandom(Config config, DType dtype, long seed, Path file) throws IOException {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        Random seeds = new Random(seed);
        int h = config.hidden(), q = config.heads() * config.headDim(), kv = config.kvHeads() * config.headDim();
        try (Scope scope = Scope.open()) {
            weights.put("model.embed_tokens.weight", random(seeds.nextLong(), dtype, config.vocab(), h));
            for (int i = 0; i < config.layers(); i++) {
                String p = "model.layers." + i + ".";
                weights.put(p + "input_layernorm.weight", Tensor.ones(dtype, h));
                weights.put(p + "self_attn.q_proj.weight", random(seeds.nextLong(), dtype, q, h));
                weights.put(p + "self_attn.k_proj.weight", random(seeds.nextLong(), dtype, kv, h));
                weights.put(p + "self_attn.v_proj.weight", random(seeds.nextLong(), dtype, kv, h));
                weights.put(p + "self_attn.o_proj.weight", random(seeds.nextLong(), dtype, h, q));
                weights.put(p + "post_attention_layernorm.weight", Tensor.ones(dtype, h));
                weights.put(p + "mlp.gate_proj.weight", random(seeds.nextLong(), dtype, config.intermediate(), h));
                weights.put(p + "mlp.up_proj.weight", random(seeds.nextLong(), dtype, config.intermediate(), h));
                weights.put(p + "mlp.down_proj.weight", random(seeds.nextLong(), dtype, h, config.intermediate()));
            }
            weights.put("model.norm.weight", Tensor.ones(dtype, h));
            Map<String, String> metadata = config.metadata();
            metadata.put("format", "pt");
            SafeTensors.write(file, weights, metadata);
        }
    }

    /**
     * Llama 3.2 1B's seeded random BF16 weights (2.5 GB) in {@code java.io.tmpdir}, written there
     * first when absent (through a temporary file beside it: a run cut short leaves none half-written);
     * the benchmarks' model, shared by every run on the machine.
     */
    public static Path randomOneB() throws IOException {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "colossus-llama-3.2-1b-random-bf16.safetensors");
        if (!Files.exists(file)) {
            Path partial = Files.createTempFile(file.getParent(), "colossus-llama", ".partial");
            try {
                writeRandom(Config.LLAMA_3_2_1B, DType.BF16, 1, partial);
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
        return file;
    }

    private static Tensor random(long seed, DType dtype, long out, long in) {
        try (Tensor normal = Tensor.randn(seed, DType.F32, out, in); Tensor scaled = Ops.mul(normal, 1 / Math.sqrt(in))) {
            return scaled.to(dtype);
        }
    }

    private Tensor w(String name) {
        Tensor t = weights.get(name);
        if (t == null) {
            throw new IllegalStateException("Llama: no weight " + name);
        }
        return t;
    }

    /** Forgets the cached positions: the next {@link #forward} starts at position 0. */
    public void reset() {
        position = 0;
    }

    /** Forgets the cached positions from {@code to} on: the next {@link #forward} writes there, the earlier ones kept. */
    public void rewind(int to) {
        if (to < 0 || to > position) {
            throw new IllegalArgumentException("Llama.rewind: position " + to + " is not in [0, " + position + "]");
        }
        position = to;
    }

    /** The bytes of the weights, each once (the embedding, tied, serves the logits too): what a decode step reads. */
    public long weightBytes() {
        return weights.values().stream().mapToLong(t -> t.numel() * t.dtype().byteSize()).sum();
    }

    /** The positions the cache holds. */
    public int position() {
        return position;
    }

    /**
     * Runs {@code ids} (n tokens) at the next positions, writing their keys and values into the cache,
     * and returns the logits of the last one, (V) F32. For a model of one sequence.
     */
    public Tensor forward(long[] ids) {
        if (batch != 1) {
            throw new IllegalArgumentException("Llama.forward: one sequence of ids for a model of " + batch + "; forward(long[][]) takes a batch");
        }
        try (Tensor logits = forward(new long[][] {ids})) {
            return logits.reshape(config.vocab());
        }
    }

    /**
     * Runs the B sequences {@code ids} (n tokens each) at the next positions, writing their keys and
     * values into the cache, and returns the logits of each one's last token, (B, V) F32, on the
     * model's device.
     */
    public Tensor forward(long[][] ids) {
        if (ids.length != batch) {
            throw new IllegalArgumentException("Llama.forward: " + ids.length + " sequences for a model of " + batch);
        }
        int n = ids[0].length, pos = position, seen = pos + n;
        if (n == 0) {
            throw new IllegalArgumentException("Llama.forward: no tokens");
        }
        long[] flat = new long[batch * n];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != n) {
                throw new IllegalArgumentException("Llama.forward: sequence " + b + " has " + ids[b].length + " tokens, sequence 0 " + n);
            }
            System.arraycopy(ids[b], 0, flat, b * n, n);
        }
        if (seen > config.maxPositions()) {
            throw new IllegalArgumentException("Llama: " + seen + " positions exceed the cache's " + config.maxPositions());
        }
        try (Scope scope = Scope.open()) {
            Tensor x = Ops.embedding(w("model.embed_tokens.weight"), Tensor.of(flat, batch, n).to(device));  // (B, n, H)
            Tensor cosines = cos.narrow(0, pos, n), sines = sin.narrow(0, pos, n);                     // (n, D/2)
            AttentionOptions causal = AttentionOptions.defaults().causal(true);
            for (int i = 0; i < config.layers(); i++) {
                x = layer(i, x, pos, n, cosines, sines, causal);
            }
            Tensor last = Ops.rmsNorm(x.narrow(1, n - 1, 1), w("model.norm.weight"), config.eps());    // (B, 1, H)
            Tensor logits = Ops.linear(last, w("model.embed_tokens.weight"), null).reshape(batch, config.vocab());
            position = seen;
            return scope.keep(logits.to(DType.F32));
        }
    }

    /**
     * Decoder layer i on x (B, n, H) at positions {@code [pos, pos + n)}, its K and V written into the
     * cache, in a scope of its own: what it makes is freed before the next layer allocates (a prefill of
     * 512 tokens: 862.5 MiB of host memory at the peak with the whole pass in one scope, 210.0 so).
     */
    private Tensor layer(int i, Tensor x, int pos, int n, Tensor cosines, Tensor sines, AttentionOptions causal) {
        String p = "model.layers." + i + ".";
        int hq = config.heads(), hkv = config.kvHeads(), d = config.headDim(), seen = pos + n;
        try (Scope scope = Scope.open()) {
            Tensor h = Ops.rmsNorm(x, w(p + "input_layernorm.weight"), config.eps());
            Tensor q = Ops.rotaryEmbedding(heads(Ops.linear(h, w(p + "self_attn.q_proj.weight"), null), n, hq, d), cosines, sines, false);
            Tensor k = Ops.rotaryEmbedding(heads(Ops.linear(h, w(p + "self_attn.k_proj.weight"), null), n, hkv, d), cosines, sines, false);
            Tensor v = heads(Ops.linear(h, w(p + "self_attn.v_proj.weight"), null), n, hkv, d);
            keys[i].narrow(2, pos, n).copyFrom(k);
            values[i].narrow(2, pos, n).copyFrom(v);
            Tensor attended = Ops.scaledDotProductAttention(q, keys[i].narrow(2, 0, seen), values[i].narrow(2, 0, seen), causal)
                    .transpose(1, 2).reshape(batch, n, (long) hq * d);                            // (B, n, Hq D), a view
            x = Ops.add(x, Ops.linear(attended, w(p + "self_attn.o_proj.weight"), null));
            Tensor g = Ops.rmsNorm(x, w(p + "post_attention_layernorm.weight"), config.eps());
            Tensor gate = Ops.linear(g, w(p + "mlp.gate_proj.weight"), null, UnaryFn.SILU);        // (B, n, I)
            Tensor up = Ops.linear(g, w(p + "mlp.up_proj.weight"), null);
            return scope.keep(Ops.add(x, Ops.linear(Ops.mul(gate, up), w(p + "mlp.down_proj.weight"), null)));
        }
    }

    /** (B, n, heads D) to (B, heads, n, D). */
    private Tensor heads(Tensor x, int n, int heads, int d) {
        return x.view(batch, n, heads, d).transpose(1, 2);
    }

    /** Greedy decoding: the prompt, then {@code steps} tokens each the argmax of the last logits. */
    public int[] generate(int[] prompt, int steps) {
        reset();
        int[] tokens = new int[steps];
        long[] ids = Arrays.stream(prompt).asLongStream().toArray();
        for (int t = 0; t < steps; t++) {
            try (Tensor logits = forward(ids); Tensor best = Ops.argmax(logits)) {
                tokens[t] = (int) best.item();
                ids = new long[] {tokens[t]};
            }
        }
        return tokens;
    }

    /**
     * Top-k sampling: the prompt, then {@code steps} tokens each drawn from the softmax of the k largest
     * logits divided by {@code temperature}, seeded ({@code seed + t} for step t): the same seed gives
     * the same tokens on every backend ({@link Ops#multinomial}). k = 1 is greedy.
     */
    public int[] generate(int[] prompt, int steps, int k, double temperature, long seed) {
        if (k < 1 || !(temperature > 0)) {
            throw new IllegalArgumentException("Llama.generate: k = " + k + " and temperature " + temperature + " must be positive");
        }
        reset();
        int[] tokens = new int[steps];
        long[] ids = Arrays.stream(prompt).asLongStream().toArray();
        for (int t = 0; t < steps; t++) {
            try (Scope scope = Scope.open()) {
                ValuesAndIndices best = Ops.topk(forward(ids), k, 0, true);                              // the k largest logits
                Tensor probabilities = Ops.softmax(Ops.div(best.values(), temperature), 0);
                long drawn = (long) Ops.multinomial(probabilities, seed + t).item();                    // a position among the k
                tokens[t] = (int) best.indices().toLongArray()[(int) drawn];
                ids = new long[] {tokens[t]};
            }
        }
        return tokens;
    }

    @Override
    public void close() {
        weights.values().forEach(Tensor::close);
        cos.close();
        sin.close();
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }
}
