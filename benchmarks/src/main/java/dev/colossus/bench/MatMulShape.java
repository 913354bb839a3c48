package dev.colossus.bench;

/**
 * A matmul problem as the benchmarks name it: {@code "1024"} (square), {@code "1x4096x4096"}
 * ({@code M x K x N}) or {@code "32x256x256x256"} ({@code batch x M x K x N}).
 */
record MatMulShape(long batch, long m, long k, long n) {
    static MatMulShape parse(String text) {
        String[] parts = text.split("x");
        return switch (parts.length) {
            case 1 -> {
                long s = Long.parseLong(parts[0]);
                yield new MatMulShape(1, s, s, s);
            }
            case 3 -> new MatMulShape(1, Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
            case 4 -> new MatMulShape(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]));
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
        return batch == 1 && m == k && k == n;
    }
}
