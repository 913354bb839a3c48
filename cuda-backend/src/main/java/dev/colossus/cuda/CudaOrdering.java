package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.base;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.LAYOUT;

import dev.colossus.DType;
import dev.colossus.op.TopK;
import dev.colossus.spi.Operand;
import java.util.List;

/**
 * {@link TopK} ({@code src/main/cuda/ordering/topk.cu}), a block per line: a bitonic sort in shared
 * memory for lines of at most {@value #SORTED}, else k rounds of a block minimum for k at most
 * {@value #SELECTED}. First passed on an H200 on 2026-12-04 ({@code gpu-runs.md}).
 */
final class CudaOrdering {
    private static final int THREADS = 256;
    /** As topk.cu's SORTED and SELECTED. */
    static final int SORTED = 4096, SELECTED = 256;
    static final KernelSpec TOPK = KernelSpec.of("topk", "topk", THREADS, 0, I64, I64, I32, I32, ADDRESS, LAYOUT, I64, ADDRESS, LAYOUT,
            I64);
    static final List<KernelSpec> SPECS = List.of(TOPK);

    private final Kernels kernels;
    private final CudaContext context;

    CudaOrdering(Kernels kernels, CudaContext context) {
        this.kernels = kernels;
        this.context = context;
    }

    /** Whether the kernel computes {@code t}: see {@link #accepts(DType, long, long)}. */
    static boolean accepts(TopK t) {
        return accepts(t.x().dtype(), t.x().dim(t.axis()), t.k());
    }

    /** Whether the kernel takes k of lines of {@code length} values of {@code dtype}: F32, F16, BF16, I32 or BOOL, and a line it sorts whole or a k it selects. */
    static boolean accepts(DType dtype, long length, long k) {
        boolean keyed = dtype == DType.F32 || dtype.isHalf() || dtype == DType.I32 || dtype == DType.BOOL;
        return keyed && (length <= SORTED || k <= SELECTED);
    }

    void topk(TopK t) {
        Operand x = t.x(), out = t.out();
        int axis = t.axis();
        long n = x.dim(axis), lines = n == 0 ? 0 : x.numel() / n;
        if (lines == 0 || t.k() == 0) {
            return;
        }
        kernels.launch(TOPK, t.name(), (int) Math.min(lines, context.multiprocessors * 8L), 1, 1, THREADS, new Kernels.Arguments()
                .i64(lines).i64(n).i32(t.k()).i32(t.largest() ? 1 : 0).address(base(x)).layout(KernelLayout.of(CudaIndexing.lineStarts(x, axis)))
                .i64(x.strides()[axis]).address(base(out)).layout(KernelLayout.of(CudaIndexing.lineStarts(out, axis))).i64(out.strides()[axis]));
    }
}
