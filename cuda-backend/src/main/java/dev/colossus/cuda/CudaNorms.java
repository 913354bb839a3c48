package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.base;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.F64;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.LAYOUT;

import dev.colossus.DType;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.Op;
import dev.colossus.op.RmsNorm;
import dev.colossus.spi.Operand;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Layer norm and RMS norm over the trailing axes ({@code src/main/cuda/norm/norm.cu}): {@code out =
 * (x - mean) / sqrt(var + eps) * weight + bias} and {@code out = x / sqrt(mean(x^2) + eps) * weight},
 * a block per row, in F32 (F64 for F64). The kernels take the rows, x, each affine operand (an absent
 * one as a null address and an empty layout), then out.
 *
 * <p>The kernels that passed on a GPU sum squares in F32, so |x| past 1.8e19 gives zeros (issue 19);
 * the {@code norm.unvalidated} build, launched with {@code -Dcolossus.cuda.unvalidatedKernels=true}
 * ({@link GpuRuns#module}), sums the row and its squares in F64 and has not yet run on a GPU.
 */
final class CudaNorms {
    private static final int THREADS = 256;
    private static final String MODULE = "norm";
    /** The build launched: norm.unvalidated (its sums in F64) under the unvalidated setting. */
    private static final String BUILD = GpuRuns.module(MODULE);
    static final KernelSpec LAYER_NORM_F32 = layerNorm("f32"), LAYER_NORM_F64 = layerNorm("f64");
    static final KernelSpec RMS_NORM_F32 = rmsNorm("f32"), RMS_NORM_F64 = rmsNorm("f64");
    private static final List<KernelSpec> PLAIN = List.of(LAYER_NORM_F32, LAYER_NORM_F64, RMS_NORM_F32, RMS_NORM_F64);
    static final List<KernelSpec> SPECS = Stream.concat(PLAIN.stream(), PLAIN.stream().map(s -> s.in(MODULE + ".unvalidated"))).toList();

    private final Kernels kernels;
    private final CudaContext context;

    CudaNorms(Kernels kernels, CudaContext context) {
        this.kernels = kernels;
        this.context = context;
    }

    private static KernelSpec layerNorm(String type) {
        return KernelSpec.of(MODULE, "layer_norm_" + type, THREADS, 0, I64, I64, F64, ADDRESS, LAYOUT, LAYOUT, ADDRESS, LAYOUT,
                ADDRESS, LAYOUT, ADDRESS, LAYOUT, LAYOUT);
    }

    private static KernelSpec rmsNorm(String type) {
        return KernelSpec.of(MODULE, "rms_norm_" + type, THREADS, 0, I64, I64, F64, ADDRESS, LAYOUT, LAYOUT, ADDRESS, LAYOUT,
                ADDRESS, LAYOUT, LAYOUT);
    }

    void layerNorm(LayerNorm n) {
        normalize(n, n.x().dtype() == DType.F64 ? LAYER_NORM_F64 : LAYER_NORM_F32, n.x(), n.normalizedAxes(), n.eps(),
                n.weight(), n.bias());
    }

    void rmsNorm(RmsNorm n) {
        normalize(n, n.x().dtype() == DType.F64 ? RMS_NORM_F64 : RMS_NORM_F32, n.x(), n.normalizedAxes(), n.eps(), n.weight());
    }

    private void normalize(Op op, KernelSpec spec, Operand x, int normalizedAxes, double eps, Operand... affine) {
        boolean[] items = new boolean[x.rank()];
        Arrays.fill(items, x.rank() - normalizedAxes, x.rank(), true);
        long length = x.shape().suffix(x.rank() - normalizedAxes).numel();
        long rows = length == 0 ? 0 : x.numel() / length;
        if (rows == 0) {
            return;
        }
        Operand out = op.out();
        Kernels.Arguments arguments = new Kernels.Arguments().i64(rows).i64(length).f64(eps)
                .address(base(x)).layout(KernelLayout.part(x, items, false, x.offset())).layout(KernelLayout.part(x, items, true, 0));
        for (Operand a : affine) {
            arguments.address(base(a)).layout(KernelLayout.optional(a));
        }
        arguments.address(base(out)).layout(KernelLayout.part(out, items, false, out.offset()))
                .layout(KernelLayout.part(out, items, true, 0));
        kernels.launch(spec.in(BUILD), op.name(), (int) Math.min(rows, context.multiprocessors * 32L), 1, 1, spec.threadsForRow(length),
                arguments);
    }
}
