package dev.colossus.bench.model;

import dev.colossus.io.SafeTensors;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * {@link Llama}'s forward pass in PyTorch's ops (2.10's CPU library through JavaCPP), from the same
 * weights: the peer its speed and its logits are measured against. Written as a PyTorch user writes it
 * (Hugging Face's modelling code: rotate-half by {@code x cos + rotate_half(x) sin}, attention by
 * {@code scaled_dot_product_attention} with grouped-query heads), eager, in the weights' dtype, the
 * KV cache a tensor per layer written in place by {@code copy_}. Each pass's temporaries are freed when
 * it returns (a {@link PointerScope}).
 *
 * <pre>
 *   x = embedding(embed, ids)                              (1, n, H)
 *   per layer:  h = rms_norm(x) · w
 *               q, k, v = linear(h, Wq | Wk | Wv)          (1, Hq|Hkv, n, D), q and k turned by their positions
 *               cache[.., pos:pos + n, :] = k, v
 *               x += linear(sdpa(q, K, V, causal, gqa), Wo)
 *               x += linear(silu(linear(h', Wg)) · linear(h', Wu), Wd)    h' = rms_norm(x) · w'
 *   logits = linear(rms_norm(x[:, -1]) · w, embed)        (V) as F32
 * </pre>
 */
public final class TorchLlama implements AutoCloseable {
    private final Llama.Config config;
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final Tensor cos, sin;              // (maxPositions, D), each half the angles of the D/2 pairs
    private final Tensor[] keys, values;        // per layer (1, Hkv, maxPositions, D)
    private int position;

    /**
     * The model from Colossus tensors by Hugging Face's names (contiguous, F32 or BF16), each copied
     * into memory of PyTorch's own; PyTorch's intra-op threads set to {@code threads}.
     */
    public static TorchLlama of(Llama.Config config, Map<String, dev.colossus.Tensor> weights, int threads) {
        return new TorchLlama(config, weights, threads);
    }

    /** The model from a safetensors file as {@link Llama#writeRandom} writes it (the configuration in its metadata). */
    public static TorchLlama load(Path safetensors, int threads) throws IOException {
        SafeTensors file = SafeTensors.read(safetensors);
        Map<String, dev.colossus.Tensor> weights = new LinkedHashMap<>();
        for (String name : file.names()) {
            weights.put(name, file.get(name));
        }
        try {
            return of(Llama.Config.of(safetensors, file.metadata()), weights, threads);
        } finally {
            weights.values().forEach(dev.colossus.Tensor::close);
        }
    }

    private TorchLlama(Llama.Config config, Map<String, dev.colossus.Tensor> from, int threads) {
        this.config = config;
        torch.set_num_threads(threads);
        int d = config.headDim(), half = d / 2;
        float[] c = new float[config.maxPositions() * d], s = new float[c.length];
        for (int p = 0; p < config.maxPositions(); p++) {
            for (int i = 0; i < half; i++) {
                c[p * d + i] = c[p * d + half + i] = (float) Math.cos(config.angle(p, i));
                s[p * d + i] = s[p * d + half + i] = (float) Math.sin(config.angle(p, i));
            }
        }
        keys = new Tensor[config.layers()];
        values = new Tensor[config.layers()];
        try (PointerScope _ = new PointerScope()) {
            ScalarType dtype = ScalarType.Float;
            for (Map.Entry<String, dev.colossus.Tensor> e : from.entrySet()) {
                Tensor t = kept(copied(e.getKey(), e.getValue()));
                weights.put(e.getKey(), t);
                dtype = t.scalar_type();
            }
            cos = kept(Tensor.create(c, config.maxPositions(), d).to(dtype));
            sin = kept(Tensor.create(s, config.maxPositions(), d).to(dtype));
            TensorOptions options = new TensorOptions(dtype);
            for (int i = 0; i < config.layers(); i++) {
                keys[i] = kept(torch.zeros(new long[] {1, config.kvHeads(), config.maxPositions(), d}, options));
                values[i] = kept(torch.zeros(new long[] {1, config.kvHeads(), config.maxPositions(), d}, options));
            }
        }
    }

    /** t, held past the scope it was made in until {@link #close} lets it go. */
    private static Tensor kept(Tensor t) {
        t.retainReference();
        return t;
    }

    /** A contiguous F32 or BF16 Colossus tensor's values, copied into a PyTorch tensor of the same dtype and shape. */
    private static Tensor copied(String name, dev.colossus.Tensor t) {
        ScalarType dtype = switch (t.dtype()) {
            case F32 -> ScalarType.Float;
            case BF16 -> ScalarType.BFloat16;
            default -> throw new IllegalArgumentException("TorchLlama: weight " + name + " is " + t.dtype() + ", not F32 or BF16");
        };
        if (!t.isContiguous()) {
            throw new IllegalArgumentException("TorchLlama: weight " + name + " " + t.shape() + " is not contiguous");
        }
        MemorySegment bytes = t.segment().asSlice(t.offset() * t.dtype().byteSize(), t.numel() * t.dtype().byteSize());
        return torch.from_blob(new BytePointer(bytes.asByteBuffer()), t.shape().dims(), new TensorOptions(dtype)).clone();
    }

    private Tensor w(String name) {
        Tensor t = weights.get(name);
        if (t == null) {
            throw new IllegalStateException("TorchLlama: no weight " + name);
        }
        return t;
    }

    /** Forgets the cached positions. */
    public void reset() {
        position = 0;
    }

    /** Forgets the cached positions from {@code to} on. */
    public void rewind(int to) {
        if (to < 0 || to > position) {
            throw new IllegalArgumentException("TorchLlama.rewind: position " + to + " is not in [0, " + position + "]");
        }
        position = to;
    }

    /** Runs {@code ids} (n tokens) at the next positions, writing the cache, and returns the last one's logits, (V). */
    public float[] forward(long[] ids) {
        int n = ids.length, pos = position, seen = pos + n;
        if (seen > config.maxPositions()) {
            throw new IllegalArgumentException("TorchLlama: " + seen + " positions exceed the cache's " + config.maxPositions());
        }
        int hq = config.heads(), hkv = config.kvHeads(), d = config.headDim();
        long[] hidden = {config.hidden()};
        DoubleOptional eps = new DoubleOptional(config.eps());
        try (PointerScope _ = new PointerScope()) {
            Tensor x = torch.embedding(w("model.embed_tokens.weight"), Tensor.create(ids, 1, n));          // (1, n, H)
            Tensor cosines = cos.narrow(0, pos, n), sines = sin.narrow(0, pos, n);                      // (n, D)
            Tensor mask = mask(pos, n);
            for (int i = 0; i < config.layers(); i++) {
                String p = "model.layers." + i + ".";
                Tensor h = torch.rms_norm(x, hidden, new TensorOptional(w(p + "input_layernorm.weight")), eps);
                Tensor q = rotated(heads(torch.linear(h, w(p + "self_attn.q_proj.weight")), n, hq, d), cosines, sines);
                Tensor k = rotated(heads(torch.linear(h, w(p + "self_attn.k_proj.weight")), n, hkv, d), cosines, sines);
                Tensor v = heads(torch.linear(h, w(p + "self_attn.v_proj.weight")), n, hkv, d);
                keys[i].narrow(2, pos, n).copy_(k);
                values[i].narrow(2, pos, n).copy_(v);
                Tensor attended = torch.scaled_dot_product_attention(q, keys[i].narrow(2, 0, seen), values[i].narrow(2, 0, seen),
                        mask == null ? new TensorOptional() : new TensorOptional(mask), 0.0, pos == 0 && n > 1, new DoubleOptional(), true);
                x = x.add(torch.linear(attended.transpose(1, 2).reshape(1, n, (long) hq * d), w(p + "self_attn.o_proj.weight")));
                Tensor g = torch.rms_norm(x, hidden, new TensorOptional(w(p + "post_attention_layernorm.weight")), eps);
                Tensor gate = torch.silu(torch.linear(g, w(p + "mlp.gate_proj.weight")));
                x = x.add(torch.linear(gate.mul(torch.linear(g, w(p + "mlp.up_proj.weight"))), w(p + "mlp.down_proj.weight")));
            }
            Tensor last = torch.rms_norm(x.narrow(1, n - 1, 1), hidden, new TensorOptional(w("model.norm.weight")), eps);
            Tensor logits = torch.linear(last, w("model.embed_tokens.weight")).reshape(config.vocab()).to(ScalarType.Float).contiguous();
            float[] out = new float[config.vocab()];
            ((FloatBuffer) logits.createBuffer()).get(out);
            position = seen;
            return out;
        }
    }

    /**
     * The causal mask of n queries at positions pos.. over the pos + n cached keys (true: attend), where
     * {@code is_causal} (aligned to the top left) would be wrong: n > 1 after a prefix. None where it is
     * not needed: a first pass uses {@code is_causal}, one query sees every key.
     */
    private static Tensor mask(int pos, int n) {
        if (pos == 0 || n == 1) {
            return null;
        }
        boolean[] allowed = new boolean[n * (pos + n)];
        for (int i = 0; i < n; i++) {
            Arrays.fill(allowed, i * (pos + n), i * (pos + n) + pos + i + 1, true);
        }
        return Tensor.create(allowed, n, pos + n);
    }

    /** (1, n, heads D) to (1, heads, n, D). */
    private static Tensor heads(Tensor x, int n, int heads, int d) {
        return x.view(1, n, heads, d).transpose(1, 2);
    }

    /** {@code x cos + rotate_half(x) sin}, rotate_half(x) = (-x2, x1) for x's halves x1, x2. */
    private static Tensor rotated(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(3) / 2;
        Tensor rotated = torch.cat(new TensorVector(x.narrow(3, half, half).neg(), x.narrow(3, 0, half)), 3);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** Greedy decoding, as {@link Llama#generate(int[], int)}. */
    public int[] generate(int[] prompt, int steps) {
        reset();
        int[] tokens = new int[steps];
        long[] ids = Arrays.stream(prompt).asLongStream().toArray();
        for (int t = 0; t < steps; t++) {
            float[] logits = forward(ids);
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            tokens[t] = best;
            ids = new long[] {best};
        }
        return tokens;
    }

    @Override
    public void close() {
        weights.values().forEach(Tensor::releaseReference);
        cos.releaseReference();
        sin.releaseReference();
        for (int i = 0; i < keys.length; i++) {
            keys[i].releaseReference();
            values[i].releaseReference();
        }
    }
}
