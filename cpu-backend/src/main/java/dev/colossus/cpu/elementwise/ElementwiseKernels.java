package dev.colossus.cpu.elementwise;

import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.NEG;

import dev.colossus.DType;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.cpu.simd.VectorMath;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import java.lang.foreign.MemorySegment;

/**
 * The elementwise functions over runs of {@code float[]} buffers, and straight between native memory
 * for the functions where buffers would cost more than the function. Two implementations: {@link
 * VectorElementwiseKernels} on the Vector API and {@link ScalarElementwiseKernels}.
 */
public interface ElementwiseKernels {
    /** The implementation for this process's {@link Simd#BITS}. */
    static ElementwiseKernels instance() {
        return Holder.INSTANCE;
    }

    /** {@code out[i] = fn(x[i])} */
    void unary(UnaryFn fn, float[] x, float[] out, int n);

    /**
     * True for the functions {@link #directUnary} computes on {@code dtype}: NEG, ABS, RELU (a lane-wise
     * instruction or two; on F16 on its bits), and on F32 EXP, SIGMOID, SILU, GELU (on {@link
     * VectorMath#exp}). On BF16 the widening and rounding around {@link VectorMath#exp} took C2 past
     * its node limit: silu ran slower than through buffers.
     */
    static boolean isDirect(UnaryFn fn, DType dtype) {
        return switch (fn) {
            case NEG, ABS, RELU -> true;
            case EXP, LOG, LOG1P, SIGMOID, SILU, GELU, ERF, EXPM1, TANH -> dtype == DType.F32;
            default -> false;
        };
    }

    /**
     * {@code out[i] = fn(x[i])} for n values of {@code dtype}, F32, BF16 or F16 (computed in F32, rounded
     * back to nearest even), contiguous in native memory at byte offsets {@code at} and {@code outAt}:
     * no buffers between memory and the registers, which for these functions cost more than the
     * function. Only for the {@linkplain #isDirect direct} functions.
     */
    void directUnary(UnaryFn fn, DType dtype, MemorySegment x, long at, MemorySegment out, long outAt, int n);

    /** {@code out[i] = fn(a[i], b[i])}; comparisons give 1 or 0 */
    void binary(BinaryFn fn, float[] a, float[] b, float[] out, int n);

    /**
     * {@code out[i] = fn(a[i], b[i])} for REMAINDER or FLOOR_DIVIDE of 64-bit integers, as {@link
     * dev.colossus.reference.ReferenceMath#binary(BinaryFn, long, long)} computes them.
     */
    void divideIntegers(BinaryFn fn, long[] a, long[] b, long[] out, int n);

    /** True for the functions {@link #arithmetic} computes: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM. */
    static boolean isArithmetic(BinaryFn fn) {
        return switch (fn) {
            case ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM -> true;
            default -> false;
        };
    }

    /**
     * {@code out[i] = fn(a[i], b[i])} for n values of {@code dtype}, F32, F16 or BF16 (computed in F32, the
     * result rounded to nearest even), that lie contiguous in native memory at byte offsets {@code
     * aAt}, {@code bAt}, {@code outAt}: no buffers between memory and the registers. Only for the
     * {@linkplain #isArithmetic arithmetic} functions.
     */
    void arithmetic(BinaryFn fn, DType dtype, MemorySegment a, long aAt, MemorySegment b, long bAt, MemorySegment out, long outAt,
            int n);

    /** {@code out[i] = condition[i] != 0 ? a[i] : b[i]} */
    void select(float[] condition, float[] a, float[] b, float[] out, int n);

    /** Loads the implementation only on first use, so the scalar path never touches the Vector API. */
    final class Holder {
        private static final ElementwiseKernels INSTANCE = Simd.BITS == 0 ? new ScalarElementwiseKernels() : new VectorElementwiseKernels();

        private Holder() {
        }
    }
}
