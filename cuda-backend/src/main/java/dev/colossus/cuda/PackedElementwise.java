package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.address;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.F32;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;

import dev.colossus.DType;
import dev.colossus.op.Binary;
import dev.colossus.op.MatMul;
import dev.colossus.op.Unary;
import dev.colossus.spi.Operand;
import java.util.List;
import java.util.stream.Stream;

/**
 * The packed elementwise kernels ({@code src/main/cuda/elementwise/packed.cu}): a group of outputs a
 * thread, 8 for unary functions and GEMM epilogues, 32 bytes for binary functions, moved as 16-byte
 * vectors. They take a dense F32, F16 or BF16 output whose inputs have its
 * dtype and are each periodic over it, element {@code i} at {@code i % period} of a dense run: period
 * {@code n} for an input of the output's shape, a row's length for a row broadcast (a linear layer's
 * bias over (tokens, features)), 1 for a scalar. Other layouts go to the strided kernels, which index
 * through every dimension.
 */
final class PackedElementwise {
    private static final int THREADS = 256;
    /** The outputs a thread computes, as packed.cu's kernels take them: 8, or 32 bytes of them for a binary function. */
    private static final int SWITCHED_GROUP = 8, BINARY_GROUP_BYTES = 32;

    private static final String MODULE = "packed";
    static final List<KernelSpec> SPECS = Stream.of("f32", "f16", "bf16")
            .flatMap(type -> Stream.of(unary(type), binary(type), epilogue(type))).toList();

    private PackedElementwise() {
    }

    /** {@code unary_packed_<type>}: the function, n, x (address, period), out. */
    private static KernelSpec unary(String type) {
        return KernelSpec.of(MODULE, "unary_packed_" + type, THREADS, 0, I32, I64, ADDRESS, I64, ADDRESS);
    }

    /** {@code binary_packed_<type>}: the function, n, a and b (address, period), out. */
    private static KernelSpec binary(String type) {
        return KernelSpec.of(MODULE, "binary_packed_" + type, THREADS, 0, I32, I64, ADDRESS, I64, ADDRESS, I64, ADDRESS);
    }

    /** {@code epilogue_packed_<type>}: the activation, n, the F32 product, alpha, beta, c (address, period), out. */
    private static KernelSpec epilogue(String type) {
        return KernelSpec.of(MODULE, "epilogue_packed_" + type, THREADS, 0, I32, I64, ADDRESS, F32, F32, ADDRESS, I64, ADDRESS);
    }

    /** Whether the packed kernels take {@code out} and {@code inputs} (see the class comment). */
    static boolean accepts(Operand out, Operand... inputs) {
        if (suffix(out.dtype()) == null || !KernelLayout.of(out).isDense()) {
            return false;
        }
        for (Operand x : inputs) {
            if (x.dtype() != out.dtype() || period(x) == 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code out[i] = fn(x[i % px])} */
    static void unary(Unary u, Kernels kernels, CudaContext context) {
        long n = u.out().numel();
        launch(u.name(), unary(suffix(u.out().dtype())), n, SWITCHED_GROUP, kernels, context, new Kernels.Arguments()
                .i32(u.fn().ordinal()).i64(n).address(address(u.x())).i64(period(u.x())).address(address(u.out())));
    }

    /** {@code out[i] = fn(a[i % pa], b[i % pb])} */
    static void binary(Binary b, Kernels kernels, CudaContext context) {
        long n = b.out().numel();
        launch(b.name(), binary(suffix(b.out().dtype())), n, BINARY_GROUP_BYTES / b.out().dtype().byteSize(), kernels, context, new Kernels.Arguments()
                .i32(b.fn().ordinal()).i64(n)
                .address(address(b.a())).i64(period(b.a()))
                .address(address(b.b())).i64(period(b.b()))
                .address(address(b.out())));
    }

    /**
     * {@code out[i] = act(alpha * product[i] + beta * c[i % pc])} for {@code m}'s epilogue, where
     * {@code product} is {@code m}'s product a b in F32, dense (it may be {@code m.out()} itself).
     */
    static void epilogue(MatMul m, Operand product, Kernels kernels, CudaContext context) {
        Operand c = m.addend();
        long n = m.out().numel();
        launch(m.name(), epilogue(suffix(m.out().dtype())), n, SWITCHED_GROUP, kernels, context, new Kernels.Arguments()
                .i32(m.activation() == null ? -1 : m.activation().ordinal()).i64(n)
                .address(address(product)).f32((float) m.alpha()).f32((float) m.beta())
                .address(c == null ? 0 : address(c)).i64(c == null ? 0 : period(c))
                .address(address(m.out())));
    }

    /**
     * The period of an input's layout over the output: n where it is dense, a row's length where it is
     * a row broadcast, 1 where it is a scalar; 0 where it is none of these.
     */
    static long period(KernelLayout layout) {
        long[] shape = layout.shape();
        long[] strides = layout.strides();
        if (layout.isDense()) {
            return shape[0];
        }
        if (shape.length == 1 && strides[0] == 0) {
            return 1;
        }
        return shape.length == 2 && strides[0] == 0 && strides[1] == 1 ? shape[1] : 0;
    }

    private static long period(Operand x) {
        return period(KernelLayout.of(x));
    }

    private static void launch(String op, KernelSpec spec, long n, int group, Kernels kernels,
                               CudaContext context, Kernels.Arguments arguments) {
        if (n == 0) {
            return;
        }
        long groups = (n + group - 1) / group;
        long blocks = Math.min((groups + THREADS - 1) / THREADS, context.multiprocessors * 16L);
        kernels.launch(spec, op, blocks, arguments);
    }

    private static String suffix(DType dtype) {
        return switch (dtype) {
            case F32 -> "f32";
            case F16 -> "f16";
            case BF16 -> "bf16";
            default -> null;
        };
    }
}
