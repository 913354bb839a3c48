package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Merging dimensions keeps every element where it was, and the struct's bytes are where the kernels read them. */
class KernelLayoutTest {

    @Test
    void contiguousDimensionsMergeAndSizeOneDimensionsDrop() {
        KernelLayout l = KernelLayout.of(new long[] {2, 1, 3, 4}, new long[] {12, 99, 4, 1}, 7, 0);
        assertArrayEquals(new long[] {24}, l.shape());
        assertArrayEquals(new long[] {1}, l.strides());
        assertEquals(7, l.offset());
        KernelLayout transposed = KernelLayout.of(new long[] {4, 3}, new long[] {1, 4}, 0, 0);
        assertArrayEquals(new long[] {4, 3}, transposed.shape());
        KernelLayout broadcast = KernelLayout.of(new long[] {5, 6}, new long[] {0, 1}, 0, 0);
        assertArrayEquals(new long[] {5, 6}, broadcast.shape());
        assertArrayEquals(new long[] {0, 1}, broadcast.strides());
        KernelLayout scalar = KernelLayout.of(new long[] {1, 1}, new long[] {3, 3}, 2, 0);
        assertArrayEquals(new long[] {1}, scalar.shape());
    }

    @Test
    void everyElementKeepsItsOffset() {
        long[][][] cases = {
            {{2, 3, 4}, {12, 4, 1}}, {{2, 3, 4}, {1, 2, 6}}, {{3, 1, 5}, {5, 0, 1}}, {{4, 5, 6}, {60, 12, 2}},
            {{2, 2, 2, 2}, {0, 4, 2, 1}}, {{3, 4}, {0, 0}}, {{5, 2, 3}, {6, 3, 1}},
        };
        for (long[][] c : cases) {
            KernelLayout merged = KernelLayout.of(c[0], c[1], 3, 0);
            long n = 1;
            for (long d : c[0]) {
                n *= d;
            }
            for (long i = 0; i < n; i++) {
                assertEquals(elementOffset(c[0], c[1], 3, i), elementOffset(merged.shape(), merged.strides(), merged.offset(), i),
                        "element " + i);
            }
        }
    }

    @Test
    void structBytesMatchTheKernelsLayout() {
        Kernels.Arguments arguments = new Kernels.Arguments().i32(7)
                .layout(KernelLayout.of(new long[] {4, 3}, new long[] {1, 4}, 9, 3)).i32(-1).f64(0.5);
        assertEquals(4, arguments.count);
        assertArrayEquals(new int[] {0, 8, 152, 160}, Arrays.copyOf(arguments.offsets, 4), "each parameter aligned to its size");
        assertEquals(168, arguments.size);
        ByteBuffer b = ByteBuffer.wrap(arguments.bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(7, b.getInt(0));
        int at = 8;
        assertEquals(9, b.getLong(at));
        assertEquals(4, b.getLong(at + 8));
        assertEquals(3, b.getLong(at + 16));
        assertEquals(1, b.getLong(at + 8 + 8 * 2));
        assertEquals(1, b.getLong(at + 72));
        assertEquals(4, b.getLong(at + 80));
        assertEquals(2, b.getInt(at + 136));
        assertEquals(3, b.getInt(at + 140));
        assertEquals(-1, b.getInt(152));
        assertEquals(0.5, b.getDouble(160));
    }

    /** A tensor map goes by value at a 64-byte boundary, as {@code const __grid_constant__ CUtensorMap} is declared. */
    @Test
    void tensorMapsAreAlignedTo64Bytes() {
        byte[] first = new byte[TensorMap.BYTES], second = new byte[TensorMap.BYTES];
        Arrays.fill(first, (byte) 1);
        Arrays.fill(second, (byte) 2);
        Kernels.Arguments arguments = new Kernels.Arguments().i32(5).tensorMap(first).tensorMap(second).i32(6);
        assertArrayEquals(new int[] {0, 64, 192, 320}, Arrays.copyOf(arguments.offsets, 4));
        assertArrayEquals(first, Arrays.copyOfRange(arguments.bytes, 64, 192));
        assertArrayEquals(second, Arrays.copyOfRange(arguments.bytes, 192, 320));
        assertEquals(324, arguments.size);
    }

    /** {@code element_offset} of strided.cuh. */
    private static long elementOffset(long[] shape, long[] strides, long offset, long i) {
        long at = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            at += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return at;
    }
}
