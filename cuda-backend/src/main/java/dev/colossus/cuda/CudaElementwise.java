package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.base;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.F64;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.LAYOUT;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import dev.colossus.DType;
import dev.colossus.op.Arange;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.op.Op;
import dev.colossus.op.Unary;
import dev.colossus.op.Where;
import dev.colossus.spi.Operand;
import java.util.List;

/**
 * Copies, fills, ranges and the elementwise functions ({@code src/main/cuda/elementwise/elementwise.cu}):
 * {@code out[i] = fn(x[i], ...)} over any strides, a thread per output element in a grid-stride loop,
 * F32, F16 and BF16 computed in F32, F64 in F64, integers in 64-bit integers. Dense F32, F16 and BF16
 * operands take {@link PackedElementwise}'s kernels instead; a dense copy of one dtype is a
 * {@code cuMemcpyDtoDAsync}.
 */
final class CudaElementwise {
    private static final String MODULE = "elementwise";
    private static final int THREADS = 256;
    static final KernelSpec COPY = KernelSpec.of(MODULE, "copy", THREADS, 0, I64, ADDRESS, LAYOUT, ADDRESS, LAYOUT);
    static final KernelSpec FILL = KernelSpec.of(MODULE, "fill", THREADS, 0, I64, ADDRESS, LAYOUT, F64);
    static final KernelSpec ARANGE = KernelSpec.of(MODULE, "arange", THREADS, 0, I64, ADDRESS, LAYOUT, F64, F64);
    static final KernelSpec WHERE = KernelSpec.of(MODULE, "where", THREADS, 0, I64, ADDRESS, LAYOUT, ADDRESS, LAYOUT, ADDRESS,
            LAYOUT, ADDRESS, LAYOUT);
    /** By the arithmetic they compute in: F32, F64, I64. */
    static final KernelSpec UNARY_F32 = unary("f32"), UNARY_F64 = unary("f64"), UNARY_I64 = unary("i64");
    static final KernelSpec BINARY_F32 = binary("f32"), BINARY_F64 = binary("f64"), BINARY_I64 = binary("i64");
    static final List<KernelSpec> SPECS = List.of(COPY, FILL, ARANGE, WHERE, UNARY_F32, UNARY_F64, UNARY_I64, BINARY_F32,
            BINARY_F64, BINARY_I64);

    private final Kernels kernels;
    private final CudaContext context;

    CudaElementwise(Kernels kernels, CudaContext context) {
        this.kernels = kernels;
        this.context = context;
    }

    private static KernelSpec unary(String arithmetic) {
        return KernelSpec.of(MODULE, "unary_" + arithmetic, THREADS, 0, I32, I64, ADDRESS, LAYOUT, ADDRESS, LAYOUT);
    }

    private static KernelSpec binary(String arithmetic) {
        return KernelSpec.of(MODULE, "binary_" + arithmetic, THREADS, 0, I32, I64, ADDRESS, LAYOUT, ADDRESS, LAYOUT, ADDRESS, LAYOUT);
    }

    /** {@code out[i] = src[i]}, converted to out's dtype. */
    void copy(Copy c) {
        long n = c.out().numel();
        if (n == 0) {
            return;
        }
        KernelLayout src = KernelLayout.of(c.src());
        KernelLayout out = KernelLayout.of(c.out());
        if (c.src().dtype() == c.out().dtype() && src.isDense() && out.isDense()) {
            long size = c.out().dtype().byteSize();
            CudaException.check(cuMemcpyDtoDAsync(device(c.out()).pointer(c.out().offset() * size),
                    device(c.src()).pointer(c.src().offset() * size), n * size, context.stream), c.name() + ": cuMemcpyDtoDAsync");
            return;
        }
        launch(COPY, c, new Kernels.Arguments().i64(n).address(base(c.src())).layout(src).address(base(c.out())).layout(out));
    }

    /** {@code out[i] = value} */
    void fill(Fill f) {
        launch(FILL, f, new Kernels.Arguments().i64(f.out().numel()).address(base(f.out())).layout(KernelLayout.of(f.out()))
                .f64(f.value()));
    }

    /** {@code out[i] = start + i * step} */
    void arange(Arange a) {
        launch(ARANGE, a, new Kernels.Arguments().i64(a.out().numel()).address(base(a.out())).layout(KernelLayout.of(a.out()))
                .f64(a.start()).f64(a.step()));
    }

    /** {@code out[i] = fn(x[i])} */
    void unary(Unary u) {
        if (PackedElementwise.accepts(u.out(), u.x())) {
            PackedElementwise.unary(u, kernels, context);
            return;
        }
        KernelSpec spec = switch (arithmetic(u.x().dtype())) {
            case F32 -> UNARY_F32;
            case F64 -> UNARY_F64;
            default -> UNARY_I64;
        };
        launch(spec, u, new Kernels.Arguments().i32(u.fn().ordinal()).i64(u.out().numel())
                .address(base(u.x())).layout(KernelLayout.of(u.x())).address(base(u.out())).layout(KernelLayout.of(u.out())));
    }

    /** {@code out[i] = fn(a[i], b[i])} */
    void binary(Binary b) {
        if (b.fn().ordinal() <= BinaryFn.GE.ordinal() && PackedElementwise.accepts(b.out(), b.a(), b.b())) {
            PackedElementwise.binary(b, kernels, context);
            return;
        }
        KernelSpec spec = switch (arithmetic(b.a().dtype())) {
            case F32 -> BINARY_F32;
            case F64 -> BINARY_F64;
            default -> BINARY_I64;
        };
        launch(spec, b, new Kernels.Arguments().i32(b.fn().ordinal()).i64(b.out().numel())
                .address(base(b.a())).layout(KernelLayout.of(b.a()))
                .address(base(b.b())).layout(KernelLayout.of(b.b()))
                .address(base(b.out())).layout(KernelLayout.of(b.out())));
    }

    /** {@code out[i] = condition[i] != 0 ? a[i] : b[i]} */
    void where(Where w) {
        launch(WHERE, w, new Kernels.Arguments().i64(w.out().numel())
                .address(base(w.condition())).layout(KernelLayout.of(w.condition()))
                .address(base(w.a())).layout(KernelLayout.of(w.a()))
                .address(base(w.b())).layout(KernelLayout.of(w.b()))
                .address(base(w.out())).layout(KernelLayout.of(w.out())));
    }

    private void launch(KernelSpec spec, Op op, Kernels.Arguments arguments) {
        long n = op.out().numel();
        if (n > 0) {
            kernels.launch(spec, op.name(), Math.min((n + THREADS - 1) / THREADS, context.multiprocessors * 16L), arguments);
        }
    }

    /** The dtype whose arithmetic {@code dtype} computes in: F32 for the 16- and 32-bit floats, F64, and I64 for integers. */
    private static DType arithmetic(DType dtype) {
        return dtype == DType.F64 ? DType.F64 : dtype.isFloatingPoint() ? DType.F32 : DType.I64;
    }

    private static DeviceStorage device(Operand x) {
        return (DeviceStorage) x.storage();
    }
}
