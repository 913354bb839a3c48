package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.base;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.LAYOUT;

import dev.colossus.DType;
import dev.colossus.op.Softmax;
import java.util.List;

/**
 * Softmax and log-softmax along one axis ({@code src/main/cuda/softmax/softmax.cu}): {@code out_j =
 * exp(x_j - max) / sum_k exp(x_k - max)} (or its log), a block per row, in F32 (F64 for F64).
 */
final class CudaSoftmax {
    private static final int THREADS = 256;
    static final KernelSpec F32 = spec("softmax_f32"), F64 = spec("softmax_f64");
    static final List<KernelSpec> SPECS = List.of(F32, F64);

    private final Kernels kernels;
    private final CudaContext context;

    CudaSoftmax(Kernels kernels, CudaContext context) {
        this.kernels = kernels;
        this.context = context;
    }

    private static KernelSpec spec(String entry) {
        return KernelSpec.of("softmax", entry, THREADS, 0, I64, I64, I32, ADDRESS, LAYOUT, LAYOUT, ADDRESS, LAYOUT, LAYOUT);
    }

    void softmax(Softmax s) {
        boolean[] axis = new boolean[s.x().rank()];
        axis[s.axis()] = true;
        long length = s.x().dim(s.axis());
        long rows = length == 0 ? 0 : s.x().numel() / length;
        if (rows == 0) {
            return;
        }
        KernelSpec spec = s.x().dtype() == DType.F64 ? F64 : F32;
        Kernels.Arguments arguments = new Kernels.Arguments().i64(rows).i64(length).i32(s.log() ? 1 : 0)
                .address(base(s.x())).layout(KernelLayout.part(s.x(), axis, false, s.x().offset()))
                .layout(KernelLayout.part(s.x(), axis, true, 0))
                .address(base(s.out())).layout(KernelLayout.part(s.out(), axis, false, s.out().offset()))
                .layout(KernelLayout.part(s.out(), axis, true, 0));
        kernels.launch(spec, s.name(), (int) Math.min(rows, context.multiprocessors * 32L), 1, 1, spec.threadsForRow(length),
                arguments);
    }
}
