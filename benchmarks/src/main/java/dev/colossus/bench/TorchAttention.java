package dev.colossus.bench;

import dev.colossus.cpu.settings.CpuSettings;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * PyTorch's {@code scaled_dot_product_attention} on its CPU library over copies of Colossus's q, k, v
 * {@code (B, Hq, Lq, D) x (B, Hkv, Lk, D)}: the peer of {@link AttentionBench}. Causal attention is
 * aligned bottom-right, as Colossus's: PyTorch's {@code is_causal} (top-left) where Lq = Lk, nothing
 * where one query sees every key, else a boolean mask. PyTorch runs on as many intra-op threads as the
 * CPU backend ({@code colossus.cpu.threads}, default the cores). Its library links OpenBLAS, so the
 * benchmark refuses a forced {@code OPENBLAS_CORETYPE} ({@link OpenBlasPeer}).
 */
final class TorchAttention implements AutoCloseable {
    private final Tensor q;
    private final Tensor k;
    private final Tensor v;
    private final Tensor mask;
    private final boolean isCausal;

    TorchAttention(dev.colossus.Tensor q, dev.colossus.Tensor k, dev.colossus.Tensor v, boolean causal) {
        torch.set_num_threads(CpuSettings.current().threads());
        long lq = q.size(-2), lk = k.size(-2);
        isCausal = causal && lq == lk;
        try (PointerScope _ = new PointerScope()) {
            this.q = kept(copied(q));
            this.k = kept(copied(k));
            this.v = kept(copied(v));
            mask = causal && lq > 1 && lq != lk ? kept(bottomRight(lq, lk)) : null;
        }
    }

    /** t, held past the scope it was made in until {@link #close} lets it go. */
    private static Tensor kept(Tensor t) {
        t.retainReference();
        return t;
    }

    /** One call; returns the output's element count, so that nothing is dead code. */
    long attention() {
        try (PointerScope _ = new PointerScope()) {
            return output().numel();
        }
    }

    /** One call's output, (B, Hq, Lq, D), as F32 values row-major: for checking the peer computes what Colossus does. */
    float[] values() {
        try (PointerScope _ = new PointerScope()) {
            Tensor out = output().to(ScalarType.Float).contiguous();
            float[] values = new float[Math.toIntExact(out.numel())];
            ((FloatBuffer) out.createBuffer()).get(values);
            return values;
        }
    }

    private Tensor output() {
        return torch.scaled_dot_product_attention(q, k, v, mask == null ? new TensorOptional() : new TensorOptional(mask),
                0.0, isCausal, new DoubleOptional(), q.size(1) != k.size(1));
    }

    /** Query i sees keys j <= i + (Lk - Lq): true where it attends. */
    private static Tensor bottomRight(long lq, long lk) {
        boolean[] allowed = new boolean[Math.toIntExact(lq * lk)];
        for (int i = 0; i < lq; i++) {
            for (int j = 0; j <= i + lk - lq; j++) {
                allowed[Math.toIntExact(i * lk + j)] = true;
            }
        }
        return Tensor.create(allowed, lq, lk);
    }

    /** A contiguous host tensor's values in a PyTorch tensor of its own memory, the same dtype and shape. */
    private static Tensor copied(dev.colossus.Tensor t) {
        ScalarType dtype = switch (t.dtype()) {
            case F32 -> ScalarType.Float;
            case BF16 -> ScalarType.BFloat16;
            case F16 -> ScalarType.Half;
            default -> throw new IllegalArgumentException("TorchAttention: " + t.dtype() + " is not F32, BF16 or F16");
        };
        try (dev.colossus.Tensor dense = t.contiguous()) {
            MemorySegment bytes = dense.segment().asSlice(dense.offset() * t.dtype().byteSize(), t.numel() * t.dtype().byteSize());
            return torch.from_blob(new BytePointer(bytes.asByteBuffer()), t.shape().dims(), new TensorOptions(dtype)).clone();
        }
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {q, k, v, mask}) {
            if (t != null) {
                t.releaseReference();
            }
        }
    }
}
