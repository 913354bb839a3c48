package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.base;

import dev.colossus.DType;
import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.op.MatMul;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;

/**
 * Matmul on cuBLAS: {@code out = a b}, {@code (..., M, K) x (..., K, N) -> (..., M, N)}, batched and
 * broadcast as {@link GemmPlan} lays it out, accumulating in F32 (F64 for F64; TF32 Tensor Cores for
 * F32 only with {@code colossus.cuda.tf32}). Operands cuBLAS cannot read in place (no unit stride, or
 * batch dimensions that are not evenly strided) are copied to contiguous temporaries first; an output
 * it cannot write in place is computed into one and copied into out. An
 * epilogue {@code act(alpha a b + beta c)} follows the product as one pass of {@link
 * PackedElementwise}'s epilogue kernel.
 */
final class CublasMatMul {
    private final Cublas cublas;
    private final Kernels kernels;
    private final CudaContext context;
    private final CudaElementwise elementwise;

    CublasMatMul(Cublas cublas, Kernels kernels, CudaContext context, CudaElementwise elementwise) {
        this.cublas = cublas;
        this.kernels = kernels;
        this.context = context;
        this.elementwise = elementwise;
    }

    /** Whether {@code m}'s epilogue fits {@link #matmulWithEpilogue}: an F32, F16 or BF16 dense output, c periodic over it. */
    static boolean acceptsEpilogue(MatMul m) {
        Operand c = m.addend();
        return c == null ? PackedElementwise.accepts(m.out()) : PackedElementwise.accepts(m.out(), c);
    }

    /** {@code out = a b} */
    void matmul(MatMul m) {
        Operand a = m.a(), b = m.b(), out = m.out();
        int r = out.rank();
        if (out.numel() == 0) {
            return;
        }
        if (a.dim(r - 1) == 0) {
            elementwise.fill(new Fill(out, 0));
            return;
        }
        try (ContiguousCopies copies = new ContiguousCopies(context, elementwise)) {
            Operand target = GemmPlan.writes(out) ? out : copies.scratch(out);
            GemmPlan plan = GemmPlan.of(a, b, target);
            if (plan == null) {
                a = copies.of(a);
                plan = GemmPlan.of(a, b, target);
            }
            if (plan == null) {
                b = copies.of(b);
                plan = GemmPlan.of(a, b, target);
            }
            Cublas.ComputeType compute = out.dtype() == DType.F64 ? Cublas.ComputeType.F64
                    : a.dtype() == DType.F32 && CudaOptions.AT_START.tf32() ? Cublas.ComputeType.F32_FAST_TF32 : Cublas.ComputeType.F32;
            cublas.gemm(m.name(), plan, dataType(m, a.dtype()), dataType(m, out.dtype()), compute,
                    base(b) + plan.aOffset() * b.dtype().byteSize(), base(a) + plan.bOffset() * a.dtype().byteSize(),
                    base(target) + plan.cOffset() * target.dtype().byteSize());
            if (target != out) {
                elementwise.copy(new Copy(target, out));
            }
        }
    }

    /**
     * {@code out = act(alpha * (a b) + beta * c)} as cuBLAS's product in F32, then one pass of the
     * packed epilogue kernel, which scales, adds c, applies act and rounds to out's dtype once. The
     * product goes to an F32 temporary unless out is F32 and not c's storage.
     */
    void matmulWithEpilogue(MatMul m) {
        Operand out = m.out();
        Operand c = m.addend();
        boolean inPlace = out.dtype() == DType.F32 && (c == null || c.storage() != out.storage());
        Storage wide = inPlace ? null : DeviceStorage.allocate(context, out.numel() * Float.BYTES);
        try {
            Operand product = inPlace ? out : Operand.contiguous(wide, DType.F32, out.shape());
            matmul(new MatMul(m.a(), m.b(), product));
            PackedElementwise.epilogue(m, product, kernels, context);
        } finally {
            if (wide != null) {
                wide.release();
            }
        }
    }

    private static Cublas.DataType dataType(MatMul m, DType dtype) {
        return switch (dtype) {
            case F32 -> Cublas.DataType.F32;
            case F64 -> Cublas.DataType.F64;
            case F16 -> Cublas.DataType.F16;
            case BF16 -> Cublas.DataType.BF16;
            default -> throw new IllegalStateException(m.name() + ": no cuBLAS GEMM for " + dtype);
        };
    }
}
