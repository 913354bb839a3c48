package dev.colossus.cpu.elementwise;

import dev.colossus.DType;
import dev.colossus.reference.Elements;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** {@link RotaryKernels} in plain Java: the path without the Vector API, and the vector loops' tails. */
final class ScalarRotaryKernels implements RotaryKernels {
    @Override
    public void rotate(float[] a, float[] b, float[] cos, float[] sin, int n) {
        rotate(a, b, cos, sin, 0, n);
    }

    /** {@link #rotate} over {@code [from, to)}: the vector loop's tail. */
    static void rotate(float[] a, float[] b, float[] cos, float[] sin, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = a[i], y = b[i];
            a[i] = x * cos[i] - y * sin[i];
            b[i] = y * cos[i] + x * sin[i];
        }
    }

    @Override
    public void rotateRows(DType dtype, boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs) {
        for (int r = 0; r < rows; r++) {
            rotateRow(dtype, interleaved, x, out, cos, sin, r, pairs, 0);
        }
    }

    /** A row's angles as they are, {@code pairs} values. */
    @Override
    public int angleWidth(DType dtype, boolean interleaved, int pairs) {
        return pairs;
    }

    @Override
    public void layAngles(DType dtype, boolean interleaved, float[] cos, float[] sin, float[] rowCos, float[] rowSin, int at, int pairs) {
        System.arraycopy(cos, 0, rowCos, at, pairs);
        System.arraycopy(sin, 0, rowSin, at, pairs);
    }

    /** Row r's pairs from {@code from} on, its angles at {@code cos[r pairs..]} as they are: the vector loops' tail. */
    static void rotateRow(DType dtype, boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int r, int pairs, int from) {
        long xAt = x.row(r), outAt = out.row(r);
        MemorySegment xs = x.memory(), os = out.memory();
        for (int p = from; p < pairs; p++) {
            int first = interleaved ? 2 * p : p, second = interleaved ? 2 * p + 1 : p + pairs;
            float a = get(dtype, xs, xAt, first), b = get(dtype, xs, xAt, second);
            float c = cos[r * pairs + p], s = sin[r * pairs + p];
            set(dtype, os, outAt, first, a * c - b * s);
            set(dtype, os, outAt, second, b * c + a * s);
        }
    }

    private static float get(DType dtype, MemorySegment m, long at, int i) {
        return dtype == DType.BF16 ? Elements.bf16ToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i))
                : m.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 4L * i);
    }

    private static void set(DType dtype, MemorySegment m, long at, int i, float value) {
        if (dtype == DType.BF16) {
            m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Elements.floatToBf16(value));
        } else {
            m.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 4L * i, value);
        }
    }
}
