package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RowProducts#dots} and {@link RowProducts#weightDots} against the definition in double, at
 * this JVM's SIMD width: 1 to 9 rows of q (whole blocks of four and the rows left over) against 1 to
 * 9 keys (blocks of four and the keys left over), rows of 1 to 130 elements (whole runs, a tail, a
 * tail alone), keys lying further apart than their length and after an offset, F32 and BF16; and
 * one row against F16 keys, subnormal, infinite and NaN halves among them.
 */
class RowProductsTest {
    private static final RowProducts PRODUCTS = RowProducts.instance();

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16"})
    void everyRowAgainstEveryKey(DType dtype) {
        Random random = new Random(21);
        int width = dtype.byteSize();
        for (int d : new int[] {1, 17, 32, 33, 64, 95, 130}) {
            long rowBytes = (long) width * (d + 3), at = 2L * width;
            for (int keys = 1; keys <= 9; keys++) {
                MemorySegment k = Arena.ofAuto().allocate(at + keys * rowBytes, 64);
                double[][] key = new double[keys][d];
                for (int j = 0; j < keys; j++) {
                    for (int i = 0; i < d; i++) {
                        key[j][i] = write(k, at + j * rowBytes + (long) width * i, dtype, (float) random.nextGaussian());
                    }
                }
                for (int rows = 1; rows <= 9; rows++) {
                    float[] q = new float[rows * d];
                    for (int i = 0; i < q.length; i++) {
                        q[i] = (float) random.nextGaussian();
                    }
                    float[] ordered = q.clone();
                    if (dtype == DType.BF16) {
                        for (int r = 0; r < rows; r++) {
                            PRODUCTS.toPairOrder(ordered, r * d, d);
                        }
                    }
                    float[] dots = new float[rows * keys], weightDots = new float[rows * keys];
                    PRODUCTS.dots(ordered, rows, d, k, at, rowBytes, dtype, keys, dots);
                    PRODUCTS.weightDots(ordered, rows, d, k, at, rowBytes, dtype, keys, weightDots);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < keys; j++) {
                            double sum = 0, magnitude = 0;
                            for (int i = 0; i < d; i++) {
                                sum += q[r * d + i] * key[j][i];
                                magnitude += Math.abs(q[r * d + i] * key[j][i]);
                            }
                            String where = dtype + ", d " + d + ", " + rows + " rows x " + keys + " keys, row " + r + " key " + j;
                            assertClose(sum, magnitude, dots[r * keys + j], "dots, " + where);
                            assertClose(sum, magnitude, weightDots[r * keys + j], "weightDots, " + where);
                        }
                    }
                }
            }
        }
    }

    /** Writes value as dtype at byte {@code at} and returns what was stored. */
    private static double write(MemorySegment m, long at, DType dtype, float value) {
        if (dtype == DType.F32) {
            m.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, value);
            return value;
        }
        short bits = (short) (Float.floatToRawIntBits(value) >>> 16);
        m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, bits);
        return Float.intBitsToFloat(bits << 16);
    }

    /** Within F32's rounding of a sum of d products: a few ulps of the sum of their magnitudes. */
    private static void assertClose(double expected, double magnitude, float actual, String what) {
        assertTrue(Math.abs(actual - expected) <= 1e-6 * magnitude + 1e-30, what + ": " + actual + " against " + expected);
    }

    /**
     * One row against F16 keys ({@link RowProducts#weightDots}, q in pair order) whose halves span
     * F16's exponents, subnormals included; key 2 holds an infinity and key 3 a NaN, each in a
     * different place of the row, which the finite widening must not hide.
     */
    @Test
    void oneRowAgainstF16Keys() {
        Random random = new Random(22);
        for (int d : new int[] {1, 17, 32, 33, 64, 95, 130, 256}) {
            long rowBytes = 2L * (d + 5), at = 6;
            for (int keys = 1; keys <= 9; keys++) {
                MemorySegment k = Arena.ofAuto().allocate(at + keys * rowBytes, 64);
                double[][] key = new double[keys][d];
                for (int j = 0; j < keys; j++) {
                    for (int i = 0; i < d; i++) {
                        short half = Float.floatToFloat16((float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(40) - 26)));
                        if (j == 2 && i == d / 2) {
                            half = (short) (random.nextBoolean() ? 0x7C00 : 0xFC00);
                        } else if (j == 3 && i == d - 1) {
                            half = (short) 0x7E01;
                        }
                        k.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + j * rowBytes + 2L * i, half);
                        key[j][i] = Float.float16ToFloat(half);
                    }
                }
                float[] q = new float[d];
                for (int i = 0; i < d; i++) {
                    q[i] = (float) random.nextGaussian();
                }
                float[] ordered = q.clone();
                PRODUCTS.toPairOrder(ordered, 0, d);
                float[] weightDots = new float[keys];
                PRODUCTS.weightDots(ordered, 1, d, k, at, rowBytes, DType.F16, keys, weightDots);
                for (int j = 0; j < keys; j++) {
                    double sum = 0, magnitude = 0;
                    for (int i = 0; i < d; i++) {
                        sum += q[i] * key[j][i];
                        magnitude += Math.abs(q[i] * key[j][i]);
                    }
                    String where = "F16, d " + d + ", " + keys + " keys, key " + j;
                    if (Double.isFinite(sum)) {
                        assertClose(sum, magnitude, weightDots[j], "weightDots, " + where);
                    } else {
                        assertEquals(sum, weightDots[j], "weightDots, " + where);
                    }
                }
            }
        }
    }
}
