package dev.colossus;

/**
 * The element types a tensor can hold.
 *
 * <p>Floating types compute in at least F32 on every backend: F16 and BF16 are storage formats whose
 * arithmetic accumulates in F32, and F64 computes in F64. {@link #BOOL} holds masks and comparison
 * results as one byte, 0 or 1. I8, I16 and U8 hold integers in memory and compute as I64 does, each
 * result wrapped to the dtype's width. F8E4M3 and F8E5M2 are storage formats too: ops on them run
 * on the reference kernels, in double, each result rounded to the format (correct, not fast), and
 * {@link Ops#scaledMatmul} widens them to F32 for the product; casts into them round to nearest even
 * and saturate (see {@link dev.colossus.op.Copy}). On a GPU they are held and moved, not computed on.
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4, true),
    /** IEEE 754 binary64. */
    F64(8, true),
    /** IEEE 754 binary16: 5 exponent bits, 10 mantissa bits. */
    F16(2, true),
    /** bfloat16: the upper half of an F32, 8 exponent bits, 7 mantissa bits. */
    BF16(2, true),
    /** Signed 32-bit integers. */
    I32(4, false),
    /** Signed 64-bit integers (indices, token ids). */
    I64(8, false),
    /** Booleans, one byte each, 0 or 1 (comparisons, masks). */
    BOOL(1, false),
    /** Signed 8-bit integers (quantized weights, token types). */
    I8(1, false),
    /** Signed 16-bit integers. */
    I16(2, false),
    /** Unsigned 8-bit integers, 0 to 255 (images, quantized weights). */
    U8(1, false),
    /**
     * 8-bit floats, OCP's E4M3 ("e4m3fn"): 4 exponent bits (bias 7), 3 mantissa bits, no infinity,
     * largest finite 448; for weights and activations, with a scale (see {@link Ops#toFp8}).
     */
    F8E4M3(1, true),
    /** 8-bit floats, OCP's E5M2: 5 exponent bits (bias 15), 2 mantissa bits, IEEE infinities, largest finite 57344; for gradients. */
    F8E5M2(1, true);

    private final int byteSize;
    private final boolean floatingPoint;

    DType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /**
     * The bytes one element takes in memory.
     *
     * @return 1, 2, 4 or 8
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Whether the dtype holds floating-point numbers (F32, F64, F16, BF16, F8E4M3, F8E5M2).
     *
     * @return true for a floating-point dtype
     */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * True for the 16-bit storage formats, F16 and BF16, whose arithmetic runs in F32.
     *
     * @return true for F16 and BF16
     */
    public boolean isHalf() {
        return this == F16 || this == BF16;
    }

    /**
     * True for the 8-bit floats, F8E4M3 and F8E5M2.
     *
     * @return true for F8E4M3 and F8E5M2
     */
    public boolean isFp8() {
        return this == F8E4M3 || this == F8E5M2;
    }
}
