package dev.colossus.cpu.elementwise;

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
    public void rotateRows(boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int rows, int pairs) {
        for (int r = 0; r < rows; r++) {
            rotateRow(interleaved, x, out, cos, sin, r, pairs, 0);
        }
    }

    /** A row's angles as they are, {@code pairs} values. */
    @Override
    public int angleWidth(boolean interleaved, int pairs) {
        return pairs;
    }

    @Override
    public void layAngles(boolean interleaved, float[] cos, float[] sin, float[] rowCos, float[] rowSin, int at, int pairs) {
        System.arraycopy(cos, 0, rowCos, at, pairs);
        System.arraycopy(sin, 0, rowSin, at, pairs);
    }

    @Override
    public void rotateBf16Rows(boolean interleaved, Rows x, Rows out, Rows cos, Rows sin, int rows, int pairs) {
        for (int r = 0; r < rows; r++) {
            rotateBf16Row(interleaved, x, out, cos, sin, r, pairs, 0);
        }
    }

    /** F32 row r's pairs from {@code from} on, its angles at {@code cos[r pairs..]} as they are: the vector loops' tail. */
    static void rotateRow(boolean interleaved, Rows x, Rows out, float[] cos, float[] sin, int r, int pairs, int from) {
        long xAt = x.row(r), outAt = out.row(r);
        MemorySegment xs = x.memory(), os = out.memory();
        for (int p = from; p < pairs; p++) {
            long first = 4L * (interleaved ? 2 * p : p), second = 4L * (interleaved ? 2 * p + 1 : p + pairs);
            float a = xs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, xAt + first), b = xs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, xAt + second);
            float c = cos[r * pairs + p], s = sin[r * pairs + p];
            os.set(ValueLayout.JAVA_FLOAT_UNALIGNED, outAt + first, a * c - b * s);
            os.set(ValueLayout.JAVA_FLOAT_UNALIGNED, outAt + second, b * c + a * s);
        }
    }

    /** BF16 row r's pairs from {@code from} on, by row r of cos and sin: the vector loops' tail. */
    static void rotateBf16Row(boolean interleaved, Rows x, Rows out, Rows cos, Rows sin, int r, int pairs, int from) {
        long xAt = x.row(r), outAt = out.row(r), cosAt = cos.row(r), sinAt = sin.row(r);
        MemorySegment xs = x.memory(), os = out.memory();
        for (int p = from; p < pairs; p++) {
            long first = 2L * (interleaved ? 2 * p : p), second = 2L * (interleaved ? 2 * p + 1 : p + pairs);
            float a = bf16(xs, xAt + first), b = bf16(xs, xAt + second);
            float c = bf16(cos.memory(), cosAt + 2L * p), s = bf16(sin.memory(), sinAt + 2L * p);
            os.set(ValueLayout.JAVA_SHORT_UNALIGNED, outAt + first, Elements.floatToBf16(a * c - b * s));
            os.set(ValueLayout.JAVA_SHORT_UNALIGNED, outAt + second, Elements.floatToBf16(b * c + a * s));
        }
    }

    private static float bf16(MemorySegment m, long at) {
        return Elements.bf16ToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
    }
}
