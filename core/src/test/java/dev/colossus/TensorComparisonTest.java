package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.testkit.ScopePerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Tensor#allClose} (NumPy's rule) and {@link Tensor#valuesEqual} (torch.equal's). */
@ExtendWith(ScopePerTest.class)
class TensorComparisonTest {

    private static Tensor f32(float... values) {
        return Tensor.of(values, values.length);
    }

    @Test
    void closeMeansWithinAtolPlusRtolOfTheOther() {
        Tensor ref = f32(100, 0, -1);
        assertTrue(f32(100.0009f, 0, -1).allClose(ref, 1e-5, 0, false));
        assertFalse(f32(100.002f, 0, -1).allClose(ref, 1e-5, 0, false));
        assertTrue(f32(100, 1e-9f, -1).allClose(ref));
        assertFalse(f32(100, 1e-7f, -1).allClose(ref));
        // relative to the second operand, as numpy.allclose(a, b) is
        assertTrue(f32(0.5f).allClose(f32(1), 0.5, 0, false));
        assertFalse(f32(1).allClose(f32(0.5f), 0.5, 0, false));
    }

    @Test
    void nanAndInfinities() {
        Tensor withNan = f32(1, Float.NaN);
        assertFalse(withNan.allClose(f32(1, Float.NaN)));
        assertTrue(withNan.allClose(f32(1, Float.NaN), 0, 0, true));
        assertFalse(withNan.allClose(f32(1, 2), 1, 1, true));
        assertTrue(f32(Float.POSITIVE_INFINITY).allClose(f32(Float.POSITIVE_INFINITY), 0, 0, false));
        assertFalse(f32(Float.POSITIVE_INFINITY).allClose(f32(Float.NEGATIVE_INFINITY), 1, 1, false));
        assertFalse(f32(Float.POSITIVE_INFINITY).allClose(f32(Float.MAX_VALUE), 1, 1, false));
    }

    @Test
    void shapesBroadcastAndDtypesAndViewsMix() {
        Tensor row = Tensor.of(new double[] {1, 2, 3}, 3);
        Tensor matrix = Tensor.of(new float[] {1, 2, 3, 1, 2, 3.001f}, 2, 3);
        assertTrue(matrix.allClose(row, 1e-3, 0, false));
        assertFalse(matrix.allClose(row));
        assertTrue(matrix.transpose(0, 1).allClose(Tensor.of(new float[] {1, 1, 2, 2, 3, 3}, 3, 2), 1e-3, 0, false));
        assertTrue(matrix.to(DType.BF16).allClose(matrix, 1e-2, 0, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> matrix.allClose(f32(1, 2)));
        assertTrue(e.getMessage().startsWith("allClose:"), e.getMessage());
    }

    @Test
    void valuesEqualNeedsTheShapeAndEveryValue() {
        Tensor x = Tensor.of(new int[] {1, 2, 3, 4}, 2, 2);
        assertTrue(x.valuesEqual(Tensor.of(new long[] {1, 2, 3, 4}, 2, 2)));
        assertFalse(x.valuesEqual(Tensor.of(new int[] {1, 2, 3, 4}, 4)));
        assertFalse(x.valuesEqual(Tensor.of(new int[] {1, 2, 3, 5}, 2, 2)));
        assertTrue(x.valuesEqual(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)));
        assertTrue(f32(0).valuesEqual(f32(-0.0f)));
        assertFalse(f32(Float.NaN).valuesEqual(f32(Float.NaN)));
        // I64 values 2^53 + 1 apart from 2^53 compare exactly, not as doubles
        Tensor big = Tensor.of(new long[] {9007199254740993L}, 1);
        assertFalse(big.valuesEqual(Tensor.of(new long[] {9007199254740992L}, 1)));
        assertEquals(big, big);
    }
}
