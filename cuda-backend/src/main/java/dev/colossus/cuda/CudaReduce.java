package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.base;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.LAYOUT;

import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.spi.Operand;
import java.util.List;

/**
 * Reductions ({@code src/main/cuda/reduce/reduce.cu}): {@code out[j] = fn over r of x[j, r]}, the kept
 * axes indexing j (out's axes in order), the reduced ones r. Long rows get a block each, many short
 * rows a thread each; floating-point rows accumulate in F64, integer sums, maxima and minima in I64.
 */
final class CudaReduce {
    private static final int THREADS = 256;
    static final KernelSpec BLOCKS_F64 = spec("reduce_blocks_f64"), BLOCKS_I64 = spec("reduce_blocks_i64");
    static final KernelSpec THREADS_F64 = spec("reduce_threads_f64"), THREADS_I64 = spec("reduce_threads_i64");
    static final List<KernelSpec> SPECS = List.of(BLOCKS_F64, BLOCKS_I64, THREADS_F64, THREADS_I64);

    private final Kernels kernels;
    private final CudaContext context;

    CudaReduce(Kernels kernels, CudaContext context) {
        this.kernels = kernels;
        this.context = context;
    }

    private static KernelSpec spec(String entry) {
        return KernelSpec.of("reduce", entry, THREADS, 0, I32, I64, I64, ADDRESS, LAYOUT, LAYOUT, I32, ADDRESS, LAYOUT);
    }

    void reduce(Reduce r) {
        Operand x = r.x();
        boolean[] reduced = new boolean[x.rank()];
        for (int axis : r.axes()) {
            reduced[axis] = true;
        }
        KernelLayout outer = KernelLayout.part(x, reduced, false, x.offset());
        KernelLayout inner = KernelLayout.part(x, reduced, true, 0);
        long rows = r.out().numel();
        long length = x.numel() / Math.max(1, rows);
        if (rows == 0) {
            return;
        }
        boolean integral = !x.dtype().isFloatingPoint() && r.fn() != ReduceFn.MEAN && r.fn() != ReduceFn.VAR;
        boolean blocks = length > 64 && (rows < 8192 || length >= 4096);
        KernelSpec spec = blocks ? (integral ? BLOCKS_I64 : BLOCKS_F64) : (integral ? THREADS_I64 : THREADS_F64);
        Kernels.Arguments arguments = new Kernels.Arguments().i32(r.fn().ordinal()).i64(rows).i64(length)
                .address(base(x)).layout(outer).layout(inner).i32(r.correction())
                .address(base(r.out())).layout(KernelLayout.of(r.out()));
        long grid = blocks ? Math.min(rows, context.multiprocessors * 32L)
                : Math.min((rows + THREADS - 1) / THREADS, context.multiprocessors * 16L);
        kernels.launch(spec, r.name(), grid, arguments);
    }
}
