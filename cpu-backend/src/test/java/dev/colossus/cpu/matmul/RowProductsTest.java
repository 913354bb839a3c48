package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RowProducts#dots} and {@link RowProducts#weightDots} against the definition in double, at
 * this JVM's SIMD width: 1 to 9 rows of q (whole blocks of four and the rows left over) against 1 to
 * 9 keys (blocks of four and the keys left over), rows of 1 to 130 elements (whole runs, a tail, a
 * tail alone), keys lying further apart than their length and after an offset, F32 and BF16.
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
}
