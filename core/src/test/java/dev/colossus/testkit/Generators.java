package dev.colossus.testkit;

import dev.colossus.DType;
import dev.colossus.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded test tensors: random values exactly representable in their dtype, optionally with corner
 * values mixed in, laid out contiguously or as one of the views users hand to kernels.
 */
public final class Generators {
    private Generators() {
    }

    /** Which values to draw. */
    public enum Values {
        /** uniform in [-2, 2) (integers in [-50, 50), BOOL fair coin) */
        PLAIN,
        /** PLAIN with about 1 in 6 replaced by NaN, +-0, +-Inf or a subnormal of the dtype */
        SPECIALS,
        /** SPECIALS plus magnitudes near the top of the dtype's range */
        EXTREMES
    }

    /** How the tensor is laid out over its storage. */
    public enum Layout {
        CONTIGUOUS,
        /** the last two dimensions swapped over contiguous storage */
        TRANSPOSED,
        /** every other element of a wider last dimension, starting at offset 1 */
        STRIDED,
        /** the first dimension of size > 1 read with stride 0 */
        BROADCAST,
        /** contiguous, starting at element 3 of its storage: a dense run off the allocation's alignment */
        OFFSET,
        /** contiguous in a Java array's memory, wrapped without a copy ({@code Tensor.wrap} of {@code MemorySegment.ofArray}) */
        HEAP
    }

    public static Tensor tensor(long seed, DType dtype, long... shape) {
        return tensor(seed, dtype, Values.PLAIN, Layout.CONTIGUOUS, shape);
    }

    /** A tensor of {@code shape} with the given values and layout; its only handle is the one returned. */
    public static Tensor tensor(long seed, DType dtype, Values values, Layout layout, long... shape) {
        int r = shape.length;
        switch (layout) {
            case TRANSPOSED -> {
                if (r >= 2) {
                    long[] swapped = shape.clone();
                    swapped[r - 1] = shape[r - 2];
                    swapped[r - 2] = shape[r - 1];
                    try (Tensor base = contiguous(seed, dtype, values, swapped)) {
                        return base.transpose(-1, -2);
                    }
                }
            }
            case STRIDED -> {
                if (r >= 1) {
                    long[] wide = shape.clone();
                    wide[r - 1] = 2 * shape[r - 1] + 1;
                    try (Tensor base = contiguous(seed, dtype, values, wide)) {
                        return base.slice(-1, 1, wide[r - 1], 2);
                    }
                }
            }
            case BROADCAST -> {
                for (int d = 0; d < r; d++) {
                    if (shape[d] > 1) {
                        long[] narrow = shape.clone();
                        narrow[d] = 1;
                        try (Tensor base = contiguous(seed, dtype, values, narrow)) {
                            return base.expand(shape);
                        }
                    }
                }
            }
            case OFFSET -> {
                long count = 1;
                for (long d : shape) {
                    count *= d;
                }
                try (Tensor base = contiguous(seed, dtype, values, new long[] {count + 3});
                     Tensor run = base.slice(0, 3, count + 3)) {
                    return run.view(shape);
                }
            }
            case HEAP -> {
                try (Tensor base = contiguous(seed, dtype, values, shape)) {
                    long bytes = base.numel() * dtype.byteSize();
                    MemorySegment array = MemorySegment.ofArray(new long[Math.toIntExact((bytes + 7) / 8)]).asSlice(0, bytes);
                    base.copyTo(array);
                    return Tensor.wrap(array, dtype, shape);
                }
            }
            case CONTIGUOUS -> {
            }
        }
        return contiguous(seed, dtype, values, shape);
    }

    /**
     * Integers of an integer type (I64, I32, I16, I8, U8), seeded: half drawn from the type's edges and
     * small values (its least and greatest values and their neighbours, -2 to 2, and for I64 a value F32
     * rounds differently through double), a quarter small ([-50, 50)), a quarter anywhere in range.
     */
    public static Tensor integers(long seed, DType dtype, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        boolean wide = dtype == DType.I64;
        long min = switch (dtype) {
            case I64 -> Long.MIN_VALUE;
            case I32 -> Integer.MIN_VALUE;
            case I16 -> Short.MIN_VALUE;
            case I8 -> Byte.MIN_VALUE;
            case U8 -> 0;
            default -> throw new IllegalArgumentException("integers: not an integer type: " + dtype);
        };
        long max = switch (dtype) {
            case I64 -> Long.MAX_VALUE;
            case I32 -> Integer.MAX_VALUE;
            case I16 -> Short.MAX_VALUE;
            case I8 -> Byte.MAX_VALUE;
            default -> 255;
        };
        // 2^60 + 2^36 + 1 rounds to F32 upward, but through double to the tie 2^60 + 2^36 and then to even
        long twice = wide ? (1L << 60) + (1L << 36) + 1 : 0;
        long[] edges = {min, min + 1, -2, -1, 0, 1, 2, max - 1, max, twice, -twice};
        long[] values = new long[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
        for (int i = 0; i < values.length; i++) {
            long value = switch (random.nextInt(4)) {
                case 0, 1 -> edges[random.nextInt(edges.length)];
                case 2 -> random.nextInt(-50, 50);
                default -> wide ? random.nextLong() : random.nextLong(min, max + 1);
            };
            values[i] = Math.clamp(value, min, max); // -2, -1 and the small values below 0 become U8's 0
        }
        if (wide) {
            return Tensor.of(values, shape);
        }
        Tensor ints = Tensor.of(Arrays.stream(values).mapToInt(Math::toIntExact).toArray(), shape);
        if (dtype == DType.I32) {
            return ints;
        }
        try (ints) {
            return ints.to(dtype); // every value in range: the cast keeps it
        }
    }

    private static Tensor contiguous(long seed, DType dtype, Values values, long[] shape) {
        SplittableRandom random = new SplittableRandom(seed);
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        double[] data = new double[Math.toIntExact(count)];
        for (int i = 0; i < data.length; i++) {
            data[i] = switch (dtype) {
                case I32, I64, I8, I16 -> random.nextInt(-50, 50);
                case U8 -> random.nextInt(0, 100);
                case BOOL -> random.nextBoolean() ? 1 : 0;
                default -> values != Values.PLAIN && random.nextInt(6) == 0
                        ? corner(dtype, values, random)
                        : random.nextDouble(-2, 2);
            };
        }
        try (Tensor f64 = Tensor.of(data, shape)) {
            return f64.to(dtype);
        }
    }

    private static double corner(DType dtype, Values values, SplittableRandom random) {
        double subnormal = switch (dtype) {
            case F64 -> 3e-310;
            case F16 -> 3e-6;
            default -> 3e-40;
        };
        double large = switch (dtype) {
            case F64 -> 1e300;
            case F16 -> 6e4;
            default -> 1e30;
        };
        double sign = random.nextBoolean() ? 1 : -1;
        int kinds = values == Values.EXTREMES ? 5 : 4;
        return switch (random.nextInt(kinds)) {
            case 0 -> Double.NaN;
            case 1 -> sign * 0.0;
            case 2 -> sign * Double.POSITIVE_INFINITY;
            case 3 -> sign * subnormal * (1 + random.nextInt(4));
            default -> sign * large * random.nextDouble(0.5, 1);
        };
    }
}
