package dev.colossus.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.testkit.ScopePerTest;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The reference backend against values computed by hand or known to many digits. */
@ExtendWith(ScopePerTest.class)
class ReferenceKernelsTest {
    private static final double EPS = 1e-6;

    private static double[] ref(Supplier<Tensor> op) {
        return Backends.using(Backends.get("reference"), op).toDoubleArray();
    }

    private static Tensor f32(float[] values, long... shape) {
        return Tensor.of(values, shape);
    }

    /** As C's {@code (int) (long long) x} on a GPU and Java's {@code (int) (long) x}: toward zero, I64 saturating, I32 its low half. */
    @Test
    void castsOfFloatsIntoIntegersTruncateSaturateIntoI64AndWrapIntoI32() {
        Tensor x = Tensor.of(new double[] {-2.7, 2.7, 3e9, -3e9, 1e30, -1e30, Double.NaN, Double.POSITIVE_INFINITY}, 8);
        assertArrayEquals(new long[] {-2, 2, 3_000_000_000L, -3_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, 0, Long.MAX_VALUE},
                Backends.using(Backends.get("reference"), () -> x.to(DType.I64)).toLongArray());
        assertArrayEquals(new long[] {-2, 2, -1_294_967_296, 1_294_967_296, -1, 0, 0, -1},
                Backends.using(Backends.get("reference"), () -> x.to(DType.I32)).toLongArray());
    }

    @Test
    void matmulOfSmallMatrices() {
        Tensor a = f32(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = f32(new float[] {5, 6, 7, 8}, 2, 2);
        assertArrayEquals(new double[] {19, 22, 43, 50}, ref(() -> Ops.matmul(a, b)));
        assertArrayEquals(new double[] {26, 30, 38, 44}, ref(() -> Ops.matmul(a.transpose(0, 1), b)));
        assertArrayEquals(new double[] {19, 22}, ref(() -> Ops.matmul(f32(new float[] {1, 2}, 2), b)));
        assertArrayEquals(new double[] {11}, ref(() -> Ops.matmul(f32(new float[] {1, 2}, 2), f32(new float[] {3, 4}, 2))));
        Tensor batch = f32(new float[] {1, 0, 0, 1, 2, 0, 0, 2}, 2, 2, 2);
        assertArrayEquals(new double[] {5, 6, 7, 8, 10, 12, 14, 16}, ref(() -> Ops.matmul(batch, b)));
    }

    @Test
    void softmaxAndLogSoftmax() {
        Tensor x = f32(new float[] {1, 2, 3}, 3);
        assertArrayEquals(new double[] {0.09003057317038046, 0.24472847105479764, 0.6652409557748219},
                ref(() -> Ops.softmax(x, 0)), EPS);
        assertArrayEquals(new double[] {-2.40760596444438, -1.40760596444438, -0.40760596444438},
                ref(() -> Ops.logSoftmax(x, 0)), EPS);
    }

    @Test
    void norms() {
        Tensor x = f32(new float[] {1, 2, 3, 4}, 1, 4);
        assertArrayEquals(new double[] {-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738},
                ref(() -> Ops.layerNorm(x, new long[] {4}, null, null, 0)), EPS);
        Tensor w = f32(new float[] {1, 2, 1, 1}, 4);
        Tensor b = f32(new float[] {0, 0, 0, 10}, 4);
        assertArrayEquals(new double[] {-1.3416407864998738, -0.8944271909999159, 0.4472135954999579, 11.341640786499874},
                ref(() -> Ops.layerNorm(x, w, b, 0)), EPS);
        Tensor y = f32(new float[] {3, 4}, 2);
        assertArrayEquals(new double[] {3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)},
                ref(() -> Ops.rmsNorm(y, new long[] {2}, null, 0)), EPS);
        // h = (3, 4) + (0, 0), w = (2, 1): h / sqrt(12.5) * w
        Tensor zero = f32(new float[] {0, 0}, 2);
        Tensor w2 = f32(new float[] {2, 1}, 2);
        assertArrayEquals(new double[] {3, 4}, ref(() -> Ops.addRmsNorm(zero, y, w2, 0).sum()), EPS);
        assertArrayEquals(new double[] {6 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)},
                ref(() -> Ops.addRmsNorm(y, zero, w2, 0).normalized()), EPS);
    }

    @Test
    void attentionOfOneQuery() {
        Tensor q = f32(new float[] {1, 0}, 1, 1, 1, 2);
        Tensor k = f32(new float[] {1, 0, 0, 1}, 1, 1, 2, 2);
        Tensor v = f32(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        double p = Math.E / (Math.E + 1);
        assertArrayEquals(new double[] {p + 3 * (1 - p), 2 * p + 4 * (1 - p)},
                ref(() -> Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults().scale(1))), EPS);
    }

    @Test
    void causalAttentionIsAlignedBottomRight() {
        // Lq = 2, Lk = 3, all scores equal: query 0 averages keys 0..1, query 1 averages keys 0..2
        Tensor q = Tensor.zeros(DType.F32, 1, 1, 2, 2);
        Tensor k = Tensor.zeros(DType.F32, 1, 1, 3, 2);
        Tensor v = f32(new float[] {3, 6, 9}, 1, 1, 3, 1);
        assertArrayEquals(new double[] {4.5, 6},
                ref(() -> Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults().causal(true))), EPS);
    }

    @Test
    void groupedQueryHeadsShareKeyValueHeads() {
        Tensor q = Tensor.zeros(DType.F32, 1, 4, 1, 2);
        Tensor k = Tensor.zeros(DType.F32, 1, 2, 1, 2);
        Tensor v = f32(new float[] {7, 9}, 1, 2, 1, 1);
        assertArrayEquals(new double[] {7, 7, 9, 9}, ref(() -> Ops.scaledDotProductAttention(q, k, v)), EPS);
    }

    @Test
    void activations() {
        Tensor one = f32(new float[] {1}, 1);
        assertEquals(0.8413447460685429, ref(() -> Ops.gelu(one))[0], EPS);
        assertEquals(0.8411919906082768, ref(() -> Ops.geluTanh(one))[0], EPS);
        assertEquals(0.7310585786300049, ref(() -> Ops.silu(one))[0], EPS);
        assertEquals(0.7310585786300049, ref(() -> Ops.sigmoid(one))[0], EPS);
        assertArrayEquals(new double[] {0, 0, 2}, ref(() -> Ops.relu(f32(new float[] {-1, 0, 2}, 3))));
    }

    @Test
    void powFollowsC99() {
        Tensor base = f32(new float[] {1, -1, 2, Float.NaN, -8}, 5);
        Tensor exponent = f32(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 10, 0, 1f / 3}, 5);
        assertArrayEquals(new double[] {1, 1, 1024, 1, Double.NaN}, ref(() -> Ops.pow(base, exponent)));
    }

    @Test
    void erfToDoublePrecision() {
        assertEquals(0.5204998778130465, Erf.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, Erf.erf(1), 1e-15);
        assertEquals(0.9953222650189527, Erf.erf(2), 1e-15);
        assertEquals(-0.9999779095030014, Erf.erf(-3), 1e-15);
        assertEquals(0.9999999999999999999, Erf.erf(7), 1e-15);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(Erf.erf(-0.0)));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
        // erfc relatively accurate in its tail, where 1 - erf(x) would have no digits left
        assertEquals(0.004677734981047266, Erf.erfc(2), 4e-16 * 0.004677734981047266);
        assertEquals(2.209049699858544e-05, Erf.erfc(3), 4e-16 * 2.209049699858544e-05);
        assertEquals(1.5374597944280349e-12, Erf.erfc(5), 4e-16 * 1.5374597944280349e-12);
        assertEquals(2.088487583762545e-45, Erf.erfc(10), 4e-16 * 2.088487583762545e-45);
        assertEquals(1.5204998778130465, Erf.erfc(-0.5), 1e-15);
        assertEquals(2.0, Erf.erfc(Double.NEGATIVE_INFINITY));
        assertEquals(0.0, Erf.erfc(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erfc(Double.NaN)));
    }

    @Test
    void reductions() {
        Tensor x = f32(new float[] {1, 3, 3, 2}, 4);
        assertArrayEquals(new double[] {9}, ref(() -> Ops.sum(x)));
        assertArrayEquals(new double[] {2.25}, ref(() -> Ops.mean(x)));
        assertArrayEquals(new double[] {0.9166666666666666}, ref(() -> Ops.var(x)), EPS);
        assertArrayEquals(new double[] {0.6875}, ref(() -> Ops.var(x, null, 0, false)), EPS);
        assertArrayEquals(new double[] {1}, ref(() -> Ops.argmax(x)));
        Tensor withNaN = f32(new float[] {1, Float.NaN, 5}, 3);
        assertArrayEquals(new double[] {1}, ref(() -> Ops.argmax(withNaN)));
        assertTrue(Double.isNaN(ref(() -> Ops.max(withNaN))[0]));
        Tensor m = f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new double[] {5, 7, 9}, ref(() -> Ops.sum(m, 0)));
        assertArrayEquals(new double[] {3, 6}, ref(() -> Ops.max(m, 1)));
        assertArrayEquals(new double[] {21}, ref(() -> Ops.sum(m, new int[] {0, 1}, true)));
    }

    @Test
    void castsRoundToNearestEven() {
        // 1 + 2^-8 lies halfway between the bf16 neighbours 1 and 1 + 2^-7: ties go to the even one, 1
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even)
        Tensor x = f32(new float[] {1.00390625f, 1.01171875f, 65519f, 65520f, -2.7f, Float.NaN}, 6);
        assertArrayEquals(new double[] {1, 1.015625, 65536, 65536, -2.703125, Double.NaN},
                ref(() -> x.to(DType.BF16)));
        assertArrayEquals(new double[] {1.00390625, 1.01171875, 65504, Double.POSITIVE_INFINITY, -2.69921875, Double.NaN},
                ref(() -> x.to(DType.F16)));
        assertArrayEquals(new double[] {1, 1, 65519, 65520, -2, 0}, ref(() -> x.to(DType.I32)));
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, ref(() -> x.to(DType.BOOL)));
    }

    @Test
    void integerArithmeticWraps() {
        Tensor big = Tensor.of(new int[] {Integer.MAX_VALUE, -7}, 2);
        Tensor one = Tensor.of(new int[] {1, 3}, 2);
        assertArrayEquals(new long[] {Integer.MIN_VALUE, -4}, Backends.using(Backends.get("reference"),
                () -> Ops.add(big, one)).toLongArray());
        assertArrayEquals(new long[] {Integer.MAX_VALUE - 7L}, Backends.using(Backends.get("reference"),
                () -> Ops.sum(big)).toLongArray());
    }
}
