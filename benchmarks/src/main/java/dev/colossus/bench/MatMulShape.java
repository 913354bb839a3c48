package dev.colossus.bench;

/**
 * A matmul problem as the benchmarks name it: {@code "1024"} (square), {@code "1x4096x4096"}
 * ({@code M x K x N}) or {@code "32x256x256x256"} ({@code batch x M x K x N}); a trailing {@code t}
 * ({@code "1x4096x4096t"}) gives B as a linear layer's weight w, stored (N, K), the product {@code x wᵀ}.
 */
record MatMulShape(long batch, long m, long k, long n, boolean weightB) {
    static MatMulShape parse(String text) {
        boolean weightB = text.endsWith("t");
        String[] parts = (weightB ? text.substring(0, text.length() - 1) : text).split("x");
        return switch (parts.length) {
            case 1 -> {
                long s = Long.parseLong(parts[0]);
                yield new MatMulShape(1, s, s, s, weightB);
            }
            case 3 -> new MatMulShape(1, Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]), weightB);
            case 4 -> new MatMulShape(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]), weightB);
            default -> throw new IllegalArgumentException("not a matmul shape: " + text);
        };
    }

    /** Floating-point operations of one product: {@code 2 batch M K N}. */
    double flops() {
        return 2.0 * batch * m * k * n;
    }

    /** Bytes of B, the operand a decode-shaped product must stream: {@code batch K N} floats. */
    double bBytes() {
        return 4.0 * batch * k * n;
    }

    boolean isSquare() {
        return batch == 1 && m == k && k == n && !weightB;
    }
}
