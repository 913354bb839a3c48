package dev.colossus.cpu.elementwise;

import static jdk.incubator.vector.VectorOperators.ADD;

import dev.colossus.DType;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import dev.colossus.reference.Elements;
import dev.colossus.reference.ReferenceMath;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link ElementwiseKernels} in plain Java: the path when the Vector API is absent or {@code
 * colossus.cpu.vectorBits=0}, and the tails of the vector loops. Functions are evaluated in double by {@link ReferenceMath} and
 * rounded once.
 */
final class ScalarElementwiseKernels implements ElementwiseKernels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort BF16_BITS = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override
    public void unary(UnaryFn fn, float[] x, float[] out, int n) {
        unary(fn, x, out, 0, n);
    }

    /** {@link #unary} over {@code [from, to)}: the vector kernels' tail. */
    static void unary(UnaryFn fn, float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = (float) ReferenceMath.unary(fn, x[i]);
        }
    }

    @Override
    public void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int n) {
        directUnary(fn, dtype, x, at, out, outAt, 0, n);
    }

    /** {@link #directUnary} over elements {@code [from, to)}: the vector kernel's tail. */
    static void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int from, int to) {
        if (!ElementwiseKernels.isDirect(fn, dtype)) {
            throw new IllegalArgumentException(fn.apiName() + " is not a direct unary function");
        }
        for (int i = from; i < to; i++) {
            set(dtype, out, outAt, i, (float) ReferenceMath.unary(fn, get(dtype, x, at, i)));
        }
    }

    @Override
    public void binary(BinaryFn fn, float[] a, float[] b, float[] out, int n) {
        binary(fn, a, b, out, 0, n);
    }

    @Override
    public void divideIntegers(BinaryFn fn, long[] a, long[] b, long[] out, int n) {
        divideIntegers(fn, a, b, out, 0, n);
    }

    /** {@link #divideIntegers} over elements {@code [from, to)}: a division each. */
    static void divideIntegers(BinaryFn fn, long[] a, long[] b, long[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = ReferenceMath.binary(fn, a[i], b[i]);
        }
    }

    @Override
    public void arithmetic(BinaryFn fn, DType dtype, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
            long outAt, int n) {
        arithmetic(fn, dtype, a, aAt, b, bAt, out, outAt, 0, n);
    }

    /** {@link #arithmetic} over elements {@code [from, to)}: the vector kernel's tail. */
    static void arithmetic(BinaryFn fn, DType dtype, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out,
                           long outAt, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = get(dtype, a, aAt, i), y = get(dtype, b, bAt, i);
            set(dtype, out, outAt, i, switch (fn) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
                case MAXIMUM -> Math.max(x, y);
                case MINIMUM -> Math.min(x, y);
                default -> throw new IllegalArgumentException(fn.apiName() + " is not arithmetic");
            });
        }
    }

    /** Element i of an F32, F16 or BF16 run at byte {@code at}. */
    private static float get(DType dtype, MemorySegment m, long at, int i) {
        return switch (dtype) {
            case BF16 -> Float.intBitsToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i) << 16);
            case F16 -> Float.float16ToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i));
            default -> m.get(F32, at + 4L * i);
        };
    }

    private static void set(DType dtype, MemorySegment m, long at, int i, float value) {
        switch (dtype) {
            case BF16 -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Elements.floatToBf16(value));
            case F16 -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2L * i, Float.floatToFloat16(value));
            default -> m.set(F32, at + 4L * i, value);
        }
    }

    /** {@link #binary} over {@code [from, to)}: the vector kernels' tail. */
    static void binary(BinaryFn fn, float[] a, float[] b, float[] out, int from, int to) {
        switch (fn) {
            case ADD -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] + b[i];
                }
            }
            case SUB -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] - b[i];
                }
            }
            case MUL -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] * b[i];
                }
            }
            case DIV -> {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] / b[i];
                }
            }
            default -> {
                for (int i = from; i < to; i++) {
                    out[i] = (float) ReferenceMath.binary(fn, a[i], b[i]);
                }
            }
        }
    }

    @Override
    public void select(float[] condition, float[] a, float[] b, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = condition[i] != 0 ? a[i] : b[i];
        }
    }
}
