package dev.colossus.cpu.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Attention's scratch memory does not grow with the number of keys: prefill works in a key block and a
 * tile of scores, never the (Lq, Lk) scores; decode in a tile of keys per task. Counted through
 * {@link Scratch}, which does not depend on JIT timing as heap allocation counters do.
 */
class AttentionMemoryTest {
    /** The (Lq, Lk) scores of one head at 512 queries and 16384 keys: 32 MiB. */
    private static final long ONE_HEADS_SCORES = 4L * 512 * 16384;

    @Test
    void prefillNeedsTheSameScratchWhateverTheKeyLength() {
        long shortKeys = scratchBytes(512, 1024), longKeys = scratchBytes(512, 16384);
        assertEquals(shortKeys, longKeys, "prefill scratch at Lk 1024 and Lk 16384");
        assertTrue(longKeys < ONE_HEADS_SCORES / 8, "prefill scratch " + longKeys + " bytes");
    }

    @Test
    void decodeScratchIsBoundedWhateverTheKeyLength() {
        long shortKeys = scratchBytes(1, 1024), longKeys = scratchBytes(1, 16384);
        // The key splits' partial states grow with the split count (at most a few per thread), not with Lk.
        assertTrue(longKeys < 1 << 20, "decode scratch at Lk 1024: " + shortKeys + " bytes, at Lk 16384: " + longKeys);
    }

    /** Scratch bytes one causal attention of {@code lq} queries against {@code lk} keys asks for (2 heads, D 64). */
    private static long scratchBytes(long lq, long lk) {
        try (Tensor q = Tensor.randn(1, DType.F32, 1, 2, lq, 64); Tensor k = Tensor.randn(2, DType.F32, 1, 2, lk, 64);
             Tensor v = Tensor.randn(3, DType.F32, 1, 2, lk, 64)) {
            long before = Scratch.requestedBytes();
            Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults().causal(true)).close();
            return Scratch.requestedBytes() - before;
        }
    }
}
