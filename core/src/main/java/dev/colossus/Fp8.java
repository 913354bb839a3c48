package dev.colossus;

import dev.colossus.op.ScaledMatMul;
import dev.colossus.reference.Float8;
import dev.colossus.spi.Operand;
import java.util.EnumSet;
import java.util.Set;

/** {@link Ops#scaledMatmul} and {@link Ops#toFp8}: checks, then the composition of ops that defines them. */
final class Fp8 {
    private static final Set<DType> PRODUCT_OUTPUTS = EnumSet.of(DType.F32, DType.BF16, DType.F16);

    private Fp8() {
    }

    /** {@code (scaleA * scaleB) (a @ b)}, {@link ScaledMatMul}, with matmul's shape rules. */
    static Tensor scaledMatmul(Tensor a, Tensor b, Tensor scaleA, Tensor scaleB, DType outDtype) {
        String op = "scaledMatmul";
        requireFp8(op, "a", a);
        requireFp8(op, "b", b);
        requireScale(op, "scaleA", scaleA);
        requireScale(op, "scaleB", scaleB);
        if (!PRODUCT_OUTPUTS.contains(outDtype)) {
            throw new IllegalArgumentException(op + ": outDtype " + outDtype + " is not one of " + PRODUCT_OUTPUTS);
        }
        Operand x = OpChecks.open(op, a), y = OpChecks.open(op, b);
        Device device = OpChecks.sameDevice(op, x, y, OpChecks.open(op, scaleA), OpChecks.open(op, scaleB));
        Products.Factors factors = Products.factors(op, x, y);
        try (Tensor wideA = scaleA.to(DType.F32); Tensor wideB = scaleB.to(DType.F32); Tensor sa = wideA.reshape();
             Tensor sb = wideB.reshape()) {
            Operand alpha = OpChecks.open(op, sa), beta = OpChecks.open(op, sb);
            Operand out = Dispatcher.compute(op, device, outDtype, factors.outShape(),
                    o -> new ScaledMatMul(factors.lhs(), factors.rhs(), alpha, beta, o), a, b, sa, sb);
            return Tensor.adopt(factors.squeezed(out));
        }
    }

    /** x divided by {@code amax(|x|) / largest(dtype)} and cast, with that scale. */
    static ScaledTensor toFp8(Tensor x, DType dtype) {
        String op = "toFp8";
        if (!dtype.isFp8()) {
            throw new IllegalArgumentException(op + ": " + dtype + " is not F8E4M3 or F8E5M2");
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": x " + x.shape() + " " + x.dtype() + " is not floating point");
        }
        double amax = 0;
        if (x.numel() > 0) {
            try (Tensor magnitudes = Ops.abs(x); Tensor largest = Ops.max(magnitudes)) {
                amax = largest.item();
            }
        }
        if (!Double.isFinite(amax)) {
            throw new IllegalArgumentException(op + ": x " + x.shape() + " " + x.dtype() + " holds " + amax
                    + ": a scale from the largest magnitude needs finite values");
        }
        float scale = amax == 0 ? 1 : (float) (amax / Float8.largest(dtype));
        try (Tensor x32 = x.to(DType.F32); Tensor divided = Ops.div(x32, scale)) {
            return new ScaledTensor(divided.to(dtype), Tensor.scalar(scale, DType.F32));
        }
    }

    private static void requireFp8(String op, String name, Tensor t) {
        if (!t.dtype().isFp8()) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.shape() + " is " + t.dtype()
                    + ", not F8E4M3 or F8E5M2 (Ops.toFp8 makes one)");
        }
    }

    private static void requireScale(String op, String name, Tensor t) {
        if (t.numel() != 1 || !t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.shape() + " " + t.dtype()
                    + " must be one floating-point value (a per-tensor scale)");
        }
    }
}
