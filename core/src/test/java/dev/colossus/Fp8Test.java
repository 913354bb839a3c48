package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.reference.Float8;
import dev.colossus.testkit.ScopePerTest;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The 8-bit floats: every code decoded, encoding to nearest even with saturation, casts through
 * tensors, {@link Ops#toFp8} and {@link Ops#scaledMatmul} against plain loops in double.
 */
@ExtendWith(ScopePerTest.class)
class Fp8Test {

    @Test
    void knownCodesDecodeToTheirValues() {
        assertEquals(1.0, Float8.decode(DType.F8E4M3, (byte) 0x38));
        assertEquals(-1.5, Float8.decode(DType.F8E4M3, (byte) 0xBC));
        assertEquals(448.0, Float8.decode(DType.F8E4M3, (byte) 0x7E));
        assertEquals(Math.scalb(1.0, -9), Float8.decode(DType.F8E4M3, (byte) 0x01));
        assertEquals(Math.scalb(1.0, -6), Float8.decode(DType.F8E4M3, (byte) 0x08));
        assertTrue(Double.isNaN(Float8.decode(DType.F8E4M3, (byte) 0x7F)));
        assertTrue(Double.isNaN(Float8.decode(DType.F8E4M3, (byte) 0xFF)));
        assertEquals(1.0, Float8.decode(DType.F8E5M2, (byte) 0x3C));
        assertEquals(57344.0, Float8.decode(DType.F8E5M2, (byte) 0x7B));
        assertEquals(Math.scalb(1.0, -16), Float8.decode(DType.F8E5M2, (byte) 0x01));
        assertEquals(Double.POSITIVE_INFINITY, Float8.decode(DType.F8E5M2, (byte) 0x7C));
        assertEquals(Double.NEGATIVE_INFINITY, Float8.decode(DType.F8E5M2, (byte) 0xFC));
        assertTrue(Double.isNaN(Float8.decode(DType.F8E5M2, (byte) 0x7D)));
        assertEquals(-0.0, Float8.decode(DType.F8E4M3, (byte) 0x80));
        assertEquals(448.0, Float8.largest(DType.F8E4M3));
        assertEquals(57344.0, Float8.largest(DType.F8E5M2));
    }

    @ParameterizedTest
    @EnumSource(names = {"F8E4M3", "F8E5M2"})
    void everyFiniteCodeRoundTripsAndTheCodesAreOrdered(DType format) {
        int largest = format == DType.F8E4M3 ? 0x7E : 0x7B;
        for (int code = 0; code <= largest; code++) {
            double value = Float8.decode(format, (byte) code);
            assertEquals((byte) code, Float8.encode(format, value), format + " code " + code);
            assertEquals((byte) (code | 0x80), Float8.encode(format, -value), format + " code -" + code);
            if (code > 0) {
                assertTrue(value > Float8.decode(format, (byte) (code - 1)), format + " code " + code);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F8E4M3", "F8E5M2"})
    void valuesBetweenCodesRoundToNearestEven(DType format) {
        int largest = format == DType.F8E4M3 ? 0x7E : 0x7B;
        for (int code = 0; code < largest; code++) {
            double low = Float8.decode(format, (byte) code), high = Float8.decode(format, (byte) (code + 1));
            double middle = (low + high) / 2;
            int even = code % 2 == 0 ? code : code + 1;
            assertEquals((byte) even, Float8.encode(format, middle), format + " between codes " + code + " and " + (code + 1));
            assertEquals((byte) code, Float8.encode(format, Math.nextDown(middle)), format + " below the middle of " + code);
            assertEquals((byte) (code + 1), Float8.encode(format, Math.nextUp(middle)), format + " above the middle of " + code);
        }
    }

    @Test
    void pastTheLargestValueCastsSaturateAndNaNStaysNaN() {
        for (DType format : new DType[] {DType.F8E4M3, DType.F8E5M2}) {
            double largest = Float8.largest(format);
            for (double big : new double[] {largest * 1.0625, 1e9, Double.POSITIVE_INFINITY}) {
                assertEquals(largest, Float8.decode(format, Float8.encode(format, big)), format + " " + big);
                assertEquals(-largest, Float8.decode(format, Float8.encode(format, -big)), format + " " + -big);
            }
            assertTrue(Double.isNaN(Float8.decode(format, Float8.encode(format, Double.NaN))));
            assertEquals(0x80, Float8.encode(format, -0.0) & 0xFF);
            assertEquals(0, Float8.encode(format, Math.scalb(1.0, -30)));
        }
    }

    @Test
    void tensorsCastToAndFromEightBits() {
        Tensor x = Tensor.of(new float[] {1, -2.5f, 0.3f, 500, Float.NEGATIVE_INFINITY, Float.NaN, 1e-4f, -0f}, 8);
        try (Tensor e4m3 = x.to(DType.F8E4M3); Tensor e5m2 = x.to(DType.F8E5M2)) {
            assertEquals(DType.F8E4M3, e4m3.dtype());
            assertEquals(1, e4m3.dtype().byteSize());
            assertArrayEquals(new float[] {1, -2.5f, 0.3125f, 448, -448, Float.NaN, 0, -0f}, e4m3.toFloatArray());
            assertArrayEquals(new float[] {1, -2.5f, 0.3125f, 512, -57344, Float.NaN, (float) Math.scalb(7.0, -16), -0f},
                    e5m2.toFloatArray());
            assertEquals("Tensor(8) F8E4M3 cpu", e4m3.toString().lines().findFirst().orElseThrow());
        }
    }

    @Test
    void toFp8PutsTheLargestMagnitudeOnTheLargestValue() {
        Tensor x = Tensor.randn(7, DType.F32, 33, 17);
        try (ScaledTensor q = Ops.toFp8(x, DType.F8E4M3); Tensor back = Ops.mul(q.values().to(DType.F32), q.scale())) {
            float[] values = q.values().toFloatArray(), original = x.toFloatArray(), restored = back.toFloatArray();
            float amax = 0, largest = 0;
            for (int i = 0; i < values.length; i++) {
                amax = Math.max(amax, Math.abs(original[i]));
                largest = Math.max(largest, Math.abs(values[i]));
                // three mantissa bits: half a step is 2^-4 of the value in the normal range, 2^-10 x scale below it
                double bound = Math.max(Math.abs(original[i]) / 16, Math.scalb(1.0, -10) * q.scale().item()) * 1.0001;
                assertTrue(Math.abs(restored[i] - original[i]) <= bound, i + ": " + original[i] + " came back " + restored[i]);
            }
            assertEquals(448, largest);
            assertEquals((float) (amax / 448.0), (float) q.scale().item());
        }
        try (ScaledTensor zeros = Ops.toFp8(Tensor.zeros(DType.BF16, 4), DType.F8E5M2);
             ScaledTensor empty = Ops.toFp8(Tensor.zeros(DType.F32, 0, 3), DType.F8E4M3)) {
            assertEquals(1, zeros.scale().item());
            assertEquals(1, empty.scale().item());
            assertEquals(Shape.of(0, 3), empty.values().shape());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.toFp8(Tensor.of(new float[] {1, Float.POSITIVE_INFINITY}, 2), DType.F8E4M3));
        assertTrue(e.getMessage().startsWith("toFp8: x (2) F32 holds Infinity"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ops.toFp8(Tensor.zeros(DType.F32, 2), DType.BF16));
    }

    @Test
    void scaledMatmulIsTheProductOfTheDequantisedValues() {
        for (int[] mkn : new int[][] {{5, 7, 3}, {1, 33, 1}, {17, 1, 9}}) {
            int m = mkn[0], k = mkn[1], n = mkn[2];
            try (ScaledTensor a = Ops.toFp8(Tensor.randn(m, DType.F32, m, k), DType.F8E4M3);
                 ScaledTensor b = Ops.toFp8(Tensor.randn(n, DType.F32, k, n), DType.F8E5M2);
                 Tensor c = Ops.scaledMatmul(a.values(), b.values(), a.scale(), b.scale(), DType.F32);
                 Tensor cBf16 = Ops.scaledMatmul(a.values(), b.values(), a.scale(), b.scale(), DType.BF16)) {
                double[] x = a.values().toDoubleArray(), y = b.values().toDoubleArray();
                double scale = a.scale().item() * b.scale().item();
                double[] expected = new double[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        for (int p = 0; p < k; p++) {
                            expected[i * n + j] += x[i * k + p] * y[p * n + j] * scale;
                        }
                    }
                }
                Tensor want = Tensor.of(expected, m, n);
                TensorAssert.assertRelativeL2("F32 out, " + m + "x" + k + "x" + n, want, c.to(DType.F64), Tolerance.of(DType.F32));
                assertEquals(DType.BF16, cBf16.dtype());
                TensorAssert.assertRelativeL2("BF16 out, " + m + "x" + k + "x" + n, want, cBf16.to(DType.F64),
                        Tolerance.of(DType.BF16));
            }
        }
    }

    /** Matmul's shape rules: batches broadcast, a vector factor's dimension dropped from the result. */
    @Test
    void scaledMatmulTakesMatmulsShapes() {
        try (ScaledTensor a = Ops.toFp8(Tensor.randn(3, DType.F32, 2, 3, 16), DType.F8E4M3);
             ScaledTensor b = Ops.toFp8(Tensor.randn(4, DType.F32, 16, 5), DType.F8E4M3);
             ScaledTensor v = Ops.toFp8(Tensor.randn(5, DType.F32, 16), DType.F8E5M2);
             Tensor batched = Ops.scaledMatmul(a.values(), b.values(), a.scale(), b.scale(), DType.F32);
             Tensor vector = Ops.scaledMatmul(v.values(), b.values(), v.scale(), b.scale(), DType.F32);
             Tensor a32 = a.values().to(DType.F32); Tensor b32 = b.values().to(DType.F32); Tensor v32 = v.values().to(DType.F32);
             Tensor plain = Ops.matmul(a32, b32); Tensor plainVector = Ops.matmul(v32, b32)) {
            assertEquals(Shape.of(2, 3, 5), batched.shape());
            assertEquals(Shape.of(5), vector.shape());
            double scale = a.scale().item() * b.scale().item(), vectorScale = v.scale().item() * b.scale().item();
            try (Tensor want = Ops.mul(plain, scale); Tensor wantVector = Ops.mul(plainVector, vectorScale)) {
                TensorAssert.assertRelativeL2("batched", want, batched, Tolerance.of(DType.F32));
                TensorAssert.assertRelativeL2("vector", wantVector, vector, Tolerance.of(DType.F32));
            }
        }
    }

    @Test
    void scaledMatmulRefusesWhatItDoesNotTake() {
        Tensor a = Tensor.zeros(DType.F8E4M3, 2, 3), b = Tensor.zeros(DType.F8E4M3, 3, 2), one = Tensor.scalar(1, DType.F32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.scaledMatmul(Tensor.zeros(DType.F32, 2, 3), b, one, one, DType.F32));
        assertEquals("scaledMatmul: a (2,3) is F32, not F8E4M3 or F8E5M2 (Ops.toFp8 makes one)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.scaledMatmul(a, b, Tensor.ones(DType.F32, 2), one, DType.F32));
        assertEquals("scaledMatmul: scaleA (2) F32 must be one floating-point value (a per-tensor scale)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.scaledMatmul(a, b, one, one, DType.F8E4M3));
        assertTrue(e.getMessage().startsWith("scaledMatmul: outDtype F8E4M3 is not one of"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ops.scaledMatmul(a, a, one, one, DType.F32));
    }
}
