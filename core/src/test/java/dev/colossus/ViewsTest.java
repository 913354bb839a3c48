package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.testkit.ScopePerTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Views share storage, copies do not, and both read the right elements. */
@ExtendWith(ScopePerTest.class)
class ViewsTest {

    private static Tensor iota(long... shape) {
        return Tensor.arange(0, Shape.of(shape).numel(), 1, DType.F32).view(shape);
    }

    private static boolean sharesStorage(Tensor a, Tensor b) {
        return a.operand().storage() == b.operand().storage();
    }

    @Test
    void reshapeIsAViewWhenStridesAllowAndACopyOtherwise() {
        Tensor x = iota(2, 3, 4);
        Tensor flat = x.reshape(6, -1);
        assertTrue(sharesStorage(x, flat));
        assertEquals(Shape.of(6, 4), flat.shape());
        Tensor t = x.transpose(1, 2);
        Tensor copied = t.reshape(-1);
        assertFalse(sharesStorage(x, copied));
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, copied.slice(0, 0, 12).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> t.view(-1));
        Tensor split = t.view(2, 2, 2, 3);
        assertArrayEquals(t.toFloatArray(), split.toFloatArray());
    }

    @Test
    void slicesNarrowAndSelect() {
        Tensor x = iota(10);
        assertArrayEquals(new float[] {1, 4, 7}, x.slice(0, 1, 9, 3).toFloatArray());
        assertArrayEquals(new float[] {7, 8, 9}, x.slice(0, -3, 100).toFloatArray());
        assertArrayEquals(new float[] {}, x.slice(0, 5, 2).toFloatArray());
        assertArrayEquals(new float[] {2}, x.slice(0, 2, 6, Long.MAX_VALUE).toFloatArray(), "a step past every bound");
        assertArrayEquals(new float[] {0, 9}, x.slice(0, 0, 10, 9).toFloatArray());
        assertArrayEquals(new float[] {2, 3}, x.narrow(0, 2, 2).toFloatArray());
        Tensor m = iota(3, 4);
        assertArrayEquals(new float[] {1, 5, 9}, m.select(1, 1).toFloatArray());
        assertArrayEquals(new float[] {8, 9, 10, 11}, m.select(0, -1).toFloatArray());
        assertEquals(8, m.select(0, 2).select(0, 0).item());
    }

    @Test
    void permuteExpandSqueezeUnsqueeze() {
        Tensor x = iota(2, 3);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.permute(1, 0).toFloatArray());
        Tensor row = iota(3).unsqueeze(0);
        assertEquals(Shape.of(1, 3), row.shape());
        Tensor expanded = row.expand(4, -1);
        assertArrayEquals(new long[] {0, 1}, expanded.strides());
        assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}, expanded.toFloatArray());
        assertEquals(Shape.of(3), row.squeeze().shape());
        assertEquals(Shape.of(3, 1), iota(3).unsqueeze(-1).shape());
        assertEquals(Shape.of(2, 3), iota(1, 2, 1, 3).squeeze().shape());
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor x = iota(3, 4);
        Tensor same = x.contiguous();
        assertNotSame(x, same);
        assertTrue(sharesStorage(x, same));
        Tensor t = x.transpose(0, 1).contiguous();
        assertFalse(sharesStorage(x, t));
        assertTrue(t.isContiguous());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, t.toFloatArray());
    }

    @Test
    void closingAViewLeavesTheBaseOpen() {
        Tensor x = iota(4);
        Tensor v = x.slice(0, 1, 3);
        v.close();
        assertArrayEquals(new float[] {0, 1, 2, 3}, x.toFloatArray());
        x.close();
        Tensor w = iota(4);
        Tensor view = w.view(2, 2);
        w.close();
        assertArrayEquals(new float[] {0, 1, 2, 3}, view.toFloatArray());
    }

    @Test
    void wrapReadsAndWritesTheCallersMemoryInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4, 5, 6);
            Tensor x = Tensor.wrap(segment, DType.F32, 2, 3);
            Tensor columns = Tensor.wrap(segment, DType.F32, new long[] {3, 2}, new long[] {1, 3});
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, columns.toFloatArray());
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 10);
            assertEquals(10, x.select(0, 0).select(0, 0).item());
            MemorySegment out = arena.allocate(6 * 4);
            Ops.mul(x, 2).copyTo(out);
            assertArrayEquals(new float[] {20, 4, 6, 8, 10, 12}, out.toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    @Test
    void conversionsOut() {
        Tensor x = Tensor.of(new double[] {1.5, -2.25}, 2);
        assertArrayEquals(new float[] {1.5f, -2.25f}, x.toFloatArray());
        assertArrayEquals(new long[] {1, -2}, x.toLongArray());
        assertEquals(DType.F64, x.dtype());
        assertEquals(-2.25, x.select(0, 1).item());
        assertArrayEquals(new double[] {1, 0, 1}, Tensor.of(new boolean[] {true, false, true}, 3).toDoubleArray());
        assertSame(Device.CPU, x.device());
        assertEquals("Tensor(2) F64 cpu\n[ 1.5000, -2.2500]", x.toString());
        assertArrayEquals(new int[] {1, -2}, x.toIntArray());
        assertArrayEquals(new boolean[] {true, false, true, false},
                Tensor.of(new float[] {0.5f, 0, Float.NaN, -0.0f}, 4).toBooleanArray());
    }

    @Test
    void matricesInAndOut() {
        float[][] rows = {{1, 2, 3}, {4, 5, 6}};
        Tensor m = Tensor.of(rows);
        assertEquals(Shape.of(2, 3), m.shape());
        assertArrayEquals(new float[][] {{1, 4}, {2, 5}, {3, 6}}, m.transpose(0, 1).toFloatMatrix());
        assertArrayEquals(new double[][] {{1.5}, {-2}}, Tensor.of(new double[][] {{1.5}, {-2}}).toDoubleMatrix());
        assertEquals(Shape.of(0, 0), Tensor.of(new float[0][]).shape());
        assertEquals(0, Tensor.zeros(DType.F32, 0, 4).toFloatMatrix().length);
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[][] {{1, 2}, {3, 4}, {5}}));
        assertEquals("of: row 2 has 1 values, row 0 has 2; a matrix needs rows of one length", ragged.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[][] {{1}, null}));
        IllegalArgumentException notMatrix = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.F32, 2, 2, 2).toFloatMatrix());
        assertEquals("toFloatMatrix: tensor (2,2,2) F32 cpu has rank 3, not 2", notMatrix.getMessage());
    }

    @Test
    void seededRandomTensorsRepeat() {
        assertArrayEquals(Tensor.randn(7, DType.F32, 5).toFloatArray(), Tensor.randn(7, DType.F32, 5).toFloatArray());
        for (float v : Tensor.rand(1, DType.F32, 1000).toFloatArray()) {
            assertTrue(v >= 0 && v < 1);
        }
    }

    @Test
    void randomTensorsAreTheSeedsDrawsInOrderAcrossGenerationBlocks() {
        int n = (1 << 21) + 12345;
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        double[] draws = new double[n];
        java.util.Arrays.setAll(draws, i -> random.nextGaussian());
        try (Tensor expected = Tensor.of(draws, 1, n).to(DType.BF16); Tensor actual = Tensor.randn(11, DType.BF16, 1, n)) {
            assertArrayEquals(expected.toFloatArray(), actual.toFloatArray());
        }
    }
}
