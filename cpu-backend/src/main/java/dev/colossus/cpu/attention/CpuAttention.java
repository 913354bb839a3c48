package dev.colossus.cpu.attention;

import dev.colossus.op.Attention;

/**
 * Scaled dot-product attention for F32, F16 and BF16, in F32 arithmetic: {@code out = softmax(scale q
 * k^T + mask) v} over (B, H, Lq, D) queries and (B, Hkv, Lk, D) keys and values. From {@link
 * PrefillAttention#MIN_QUERIES} queries on, {@link PrefillAttention} runs it on the GEMM micro-kernel;
 * fewer (decode) run in {@link DecodeAttention}, one dot product per score. Both take the softmax
 * online, tile by tile ({@link OnlineSoftmax}).
 */
public final class CpuAttention {
    private CpuAttention() {
    }

    public static void attention(Attention op) {
        if (op.q().dim(2) >= PrefillAttention.MIN_QUERIES) {
            PrefillAttention.attention(op);
        } else {
            DecodeAttention.attention(op);
        }
    }
}
