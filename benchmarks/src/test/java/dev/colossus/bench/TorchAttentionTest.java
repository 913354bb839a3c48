package dev.colossus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TorchAttention}, the peer of AttentionBench, computes what Colossus's attention does: grouped
 * heads, and causal masks aligned bottom-right (Lq = Lk, one query, and Lq < Lk, where PyTorch's own
 * {@code is_causal} would align top-left), F32 within relative L2 1e-5.
 */
class TorchAttentionTest {

    @ParameterizedTest(name = "Hq {0} Hkv {1} Lq {2} Lk {3} causal {4}")
    @CsvSource({"4, 4, 7, 7, false", "4, 2, 7, 7, true", "8, 2, 1, 13, true", "2, 2, 3, 9, true", "2, 1, 5, 11, false"})
    void matchesColossusAttention(long hq, long hkv, long lq, long lk, boolean causal) {
        try (Tensor q = Tensor.randn(1, DType.F32, 2, hq, lq, 16); Tensor k = Tensor.randn(2, DType.F32, 2, hkv, lk, 16);
             Tensor v = Tensor.randn(3, DType.F32, 2, hkv, lk, 16);
             Tensor expected = Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults().causal(causal));
             TorchAttention peer = new TorchAttention(q, k, v, causal)) {
            float[] want = expected.toFloatArray(), got = peer.values();
            assertEquals(want.length, got.length);
            double diff = 0, norm = 0;
            for (int i = 0; i < want.length; i++) {
                diff += ((double) got[i] - want[i]) * ((double) got[i] - want[i]);
                norm += (double) want[i] * want[i];
            }
            assertTrue(Math.sqrt(diff / norm) <= 1e-5, "relative L2 " + Math.sqrt(diff / norm));
        }
    }
}
