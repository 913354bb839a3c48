package dev.colossus.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.op.AddRmsNorm;
import dev.colossus.op.Arange;
import dev.colossus.op.Attention;
import dev.colossus.op.Binary;
import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.MatMul;
import dev.colossus.op.Op;
import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Softmax;
import dev.colossus.op.Unary;
import dev.colossus.op.Where;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Every op on one NVIDIA GPU: matmul on cuBLAS or on Colossus's own Tensor Core GEMM, the rest on
 * Colossus's own kernels (committed PTX, see {@code src/main/cuda}), all issued on one stream.
 *
 * <p>GEMM: {@code -Dcolossus.cuda.gemm=cublas|custom|auto} (read at each op). {@code custom} sends every
 * F16/BF16 product to {@link TensorCoreGemm}, its epilogue fused; {@code cublas} sends every product to
 * cuBLAS, an epilogue (alpha, beta c, activation) following as one pass of {@link PackedElementwise}'s
 * epilogue kernel over the F32 product; {@code auto} (the default) takes cuBLAS for every product, as
 * measured on an H100 (benchmarks/results/gpu/h100-2026-11-27-tma): the custom kernel's Hopper path
 * runs plain products at 0.945 of cuBLAS (bf16 8192^3, b K-major) and {@code gelu(x W^T + b)} at
 * 8192 x 16384 x 4096 at 0.87 of cuBLAS and the epilogue kernel (the activation computed while the
 * Tensor Cores wait; since then a product with an activation takes the ping-pong kernel, whose
 * consumers take turns, not yet run on a GPU); {@code x W^T + b} there at 1.04 of it. A single row (1 x 8192 x 8192, b
 * N-major: mma.sync) ran at 0.20, the Hopper kernel's 128-row tiles are as wasted on one row, and no
 * shape between was measured, so no rule for where the custom kernel wins is drawn yet. mma.sync runs
 * large products at 0.36 of cuBLAS.
 *
 * <p>Attention: {@link FusedAttention} where it applies (F16/BF16, head dimension 64 or 128), else
 * composed by {@code Decompositions} from batched matmuls, elementwise ops and the softmax kernel;
 * {@code -Dcolossus.cuda.attention=fused|composed} forces either.
 *
 * <p>F32, F16 and BF16 compute in F32, F64 in F64, integers in 64-bit integers. GEMM accumulates in
 * F32 (F64 for F64); TF32 Tensor Cores are used for F32 GEMM only when asked for with
 * {@code -Dcolossus.cuda.tf32=true} or {@code COLOSSUS_CUDA_TF32=true}.
 *
 * <p>Kernels run asynchronously: a fault inside one surfaces at the next synchronisation, which names
 * the last op this thread issued (the stream is shared: it may be another thread's op that faulted);
 * {@code -Dcolossus.cuda.syncEachOp=true} waits after every op, so the error names the op that
 * faulted. A fault that loses the context (an illegal address, a failed launch) makes this and every
 * later call throw {@link CudaContextLostException}, the first failure as its cause ({@link ContextHealth}).
 */
public final class CudaBackend implements Backend {
    static final boolean TF32 = Boolean.getBoolean("colossus.cuda.tf32")
            || "true".equalsIgnoreCase(System.getenv("COLOSSUS_CUDA_TF32"));
    private static final boolean SYNC_EACH_OP = Boolean.getBoolean("colossus.cuda.syncEachOp");
    private static final int THREADS = 256;

    private final CudaContext context;
    private final Kernels kernels;
    private final PinnedStaging staging;
    private final Cublas cublas;
    /** The op this thread issued last: an error that surfaces later names it (the stream is shared by every thread). */
    private final ThreadLocal<String> lastOp = ThreadLocal.withInitial(() -> "nothing yet");

    CudaBackend(int ordinal, CublasLibrary.Found cublasLibrary) {
        context = new CudaContext(ordinal);
        kernels = new Kernels(context);
        staging = new PinnedStaging(context);
        cublas = new Cublas(cublasLibrary, context);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Device device() {
        return context.device;
    }

    /** The GPU and the libraries in use, for {@code Backends.describe()} and logs. */
    public String describe() {
        return context.describe() + ", " + cublas.describe() + (TF32 ? ", TF32 on" : ", TF32 off");
    }

    @Override
    public Storage allocate(long bytes) {
        String op = "allocating " + bytes + " bytes on " + device();
        context.health.checkUsable(op);
        try {
            return DeviceStorage.allocate(context, bytes);
        } catch (CudaException e) {
            throw context.health.failed(op, e);
        }
    }

    @Override
    public void copyFromHost(MemorySegment src, Storage dst, long dstOffset, long bytes) {
        String op = "copy to " + device();
        context.health.checkUsable(op);
        try {
            staging.toDevice(src.asSlice(0, bytes), ((DeviceStorage) dst).pointer(dstOffset), op);
        } catch (CudaException e) {
            throw context.health.failed(op, e);
        }
    }

    @Override
    public void copyToHost(Storage src, long srcOffset, MemorySegment dst, long bytes) {
        String op = "copy from " + device() + " (after " + lastOp.get() + " on this thread)";
        context.health.checkUsable(op);
        try {
            staging.toHost(((DeviceStorage) src).pointer(srcOffset), dst.asSlice(0, bytes), op);
        } catch (CudaException e) {
            throw context.health.failed(op, e);
        }
    }

    /** The cached small blocks and the memory pool's free memory back to the driver. */
    @Override
    public void releaseCachedMemory() {
        context.health.checkUsable("releaseCachedMemory");
        try {
            context.releaseCachedMemory();
        } catch (CudaException e) {
            throw context.health.failed("releaseCachedMemory", e);
        }
    }

    @Override
    public boolean supports(Op op) {
        if (op instanceof Attention a) {
            return !"composed".equals(System.getProperty("colossus.cuda.attention")) && FusedAttention.accepts(a);
        }
        if (op instanceof MatMul m && m.hasEpilogue()) {
            return customGemm(m) || cublasEpilogue(m);
        }
        if (op instanceof AddRmsNorm) {
            return false;
        }
        for (Operand x : op.inputs()) {
            if (KernelLayout.of(x).rank() > KernelLayout.MAX_RANK) {
                return false;
            }
        }
        return KernelLayout.of(op.out()).rank() <= KernelLayout.MAX_RANK;
    }

    /**
     * Issues {@code op}'s kernels. After a failure that lost the context, this and every later call
     * throws {@link CudaContextLostException} at once, its cause the first failure.
     */
    @Override
    public void execute(Op op) {
        context.health.checkUsable(op.name());
        lastOp.set(op.name());
        try {
            issue(op);
            if (SYNC_EACH_OP) {
                context.synchronize(op.name());
            }
        } catch (CudaException e) {
            throw context.health.failed(op.name(), e);
        }
    }

    private void issue(Op op) {
        context.makeCurrent();
        switch (op) {
            case Copy c -> copy(c);
            case Fill f -> elementwise(f, "fill", new Kernels.Arguments().i64(f.out().numel())
                    .address(base(f.out())).layout(KernelLayout.of(f.out())).f64(f.value()));
            case Arange a -> elementwise(a, "arange", new Kernels.Arguments().i64(a.out().numel())
                    .address(base(a.out())).layout(KernelLayout.of(a.out())).f64(a.start()).f64(a.step()));
            case Unary u when PackedElementwise.accepts(u.out(), u.x()) -> PackedElementwise.unary(u, kernels, context);
            case Unary u -> elementwise(u, "unary_" + arithmetic(u.x().dtype()), new Kernels.Arguments()
                    .i32(u.fn().ordinal()).i64(u.out().numel()).address(base(u.x())).layout(KernelLayout.of(u.x()))
                    .address(base(u.out())).layout(KernelLayout.of(u.out())));
            case Binary b when PackedElementwise.accepts(b.out(), b.a(), b.b()) -> PackedElementwise.binary(b, kernels, context);
            case Binary b -> elementwise(b, "binary_" + arithmetic(b.a().dtype()), new Kernels.Arguments()
                    .i32(b.fn().ordinal()).i64(b.out().numel())
                    .address(base(b.a())).layout(KernelLayout.of(b.a()))
                    .address(base(b.b())).layout(KernelLayout.of(b.b()))
                    .address(base(b.out())).layout(KernelLayout.of(b.out())));
            case Where w -> elementwise(w, "where", new Kernels.Arguments().i64(w.out().numel())
                    .address(base(w.condition())).layout(KernelLayout.of(w.condition()))
                    .address(base(w.a())).layout(KernelLayout.of(w.a()))
                    .address(base(w.b())).layout(KernelLayout.of(w.b()))
                    .address(base(w.out())).layout(KernelLayout.of(w.out())));
            case Reduce r -> reduce(r);
            case MatMul m when customGemm(m) -> customMatmul(m);
            case MatMul m when m.hasEpilogue() -> matmulEpilogue(m);
            case MatMul m -> matmul(m);
            case Softmax s -> softmax(s);
            case LayerNorm n -> normalize(n, "layer_norm", n.x(), n.normalizedAxes(), n.eps(), n.weight(), n.bias());
            case RmsNorm n -> normalize(n, "rms_norm", n.x(), n.normalizedAxes(), n.eps(), n.weight());
            case AddRmsNorm n -> throw new UnsupportedOperationException(n.name() + " runs as an add and an rmsNorm on "
                    + device() + " (supports says no)");
            case Attention a -> FusedAttention.run(a, kernels, context);
        }
    }

    @Override
    public void synchronize() {
        String op = "synchronize after " + lastOp.get();
        context.health.checkUsable(op);
        try {
            context.synchronize(lastOp.get() + " on this thread");
        } catch (CudaException e) {
            throw context.health.failed(op, e);
        }
    }

    private void copy(Copy c) {
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
        elementwise(c, "copy", new Kernels.Arguments().i64(n).address(base(c.src())).layout(src)
                .address(base(c.out())).layout(out));
    }

    private void elementwise(Op op, String kernel, Kernels.Arguments arguments) {
        long n = op.out().numel();
        if (n > 0) {
            kernels.launch(op.name(), "elementwise", kernel, Math.min((n + THREADS - 1) / THREADS,
                    context.multiprocessors * 16L), THREADS, arguments);
        }
    }

    /*
     * out[j] = fn over r of x[j, r]: the kept axes index j (they are out's axes in order), the reduced
     * ones r. Long rows get a block each; many short rows a thread each.
     */
    private void reduce(Reduce r) {
        Operand x = r.x();
        boolean[] reduced = new boolean[x.rank()];
        for (int axis : r.axes()) {
            reduced[axis] = true;
        }
        KernelLayout outer = part(x, reduced, false, x.offset());
        KernelLayout inner = part(x, reduced, true, 0);
        long rows = r.out().numel();
        long length = x.numel() / Math.max(1, rows);
        if (rows == 0) {
            return;
        }
        boolean integral = !x.dtype().isFloatingPoint() && r.fn() != ReduceFn.MEAN && r.fn() != ReduceFn.VAR;
        boolean blocks = length > 64 && (rows < 8192 || length >= 4096);
        String kernel = (blocks ? "reduce_blocks_" : "reduce_threads_") + (integral ? "i64" : "f64");
        Kernels.Arguments arguments = new Kernels.Arguments().i32(r.fn().ordinal()).i64(rows).i64(length)
                .address(base(x)).layout(outer).layout(inner).i32(r.correction())
                .address(base(r.out())).layout(KernelLayout.of(r.out()));
        long grid = blocks ? Math.min(rows, context.multiprocessors * 32L)
                : Math.min((rows + THREADS - 1) / THREADS, context.multiprocessors * 16L);
        kernels.launch(r.name(), "reduce", kernel, grid, THREADS, arguments);
    }

    private void softmax(Softmax s) {
        boolean[] axis = new boolean[s.x().rank()];
        axis[s.axis()] = true;
        long length = s.x().dim(s.axis());
        long rows = length == 0 ? 0 : s.x().numel() / length;
        if (rows == 0) {
            return;
        }
        Kernels.Arguments arguments = new Kernels.Arguments().i64(rows).i64(length).i32(s.log() ? 1 : 0)
                .address(base(s.x())).layout(part(s.x(), axis, false, s.x().offset())).layout(part(s.x(), axis, true, 0))
                .address(base(s.out())).layout(part(s.out(), axis, false, s.out().offset())).layout(part(s.out(), axis, true, 0));
        kernels.launch(s.name(), "softmax", "softmax_" + floating(s.x().dtype()), Math.min(rows, context.multiprocessors * 32L),
                rowThreads(length), arguments);
    }

    /*
     * One block per row of the trailing normalizedAxes: the kernel's parameters are the rows, x,
     * then each affine operand (absent ones as null), then out.
     */
    private void normalize(Op op, String kernel, Operand x, int normalizedAxes, double eps, Operand... affine) {
        boolean[] items = trailing(x.rank(), normalizedAxes);
        long length = x.shape().suffix(x.rank() - normalizedAxes).numel();
        long rows = length == 0 ? 0 : x.numel() / length;
        if (rows == 0) {
            return;
        }
        Operand out = op.out();
        Kernels.Arguments arguments = new Kernels.Arguments().i64(rows).i64(length).f64(eps)
                .address(base(x)).layout(part(x, items, false, x.offset())).layout(part(x, items, true, 0));
        for (Operand a : affine) {
            arguments.address(base(a)).layout(optional(a));
        }
        arguments.address(base(out)).layout(part(out, items, false, out.offset())).layout(part(out, items, true, 0));
        kernels.launch(op.name(), "norm", kernel + "_" + floating(x.dtype()), Math.min(rows, context.multiprocessors * 32L),
                rowThreads(length), arguments);
    }

    /*
     * out = a b on cuBLAS. Operands cuBLAS cannot read in place (no unit stride, or batch dimensions
     * that are not evenly strided) are copied to contiguous temporaries first.
     */
    private void matmul(MatMul m) {
        Operand a = m.a(), b = m.b(), out = m.out();
        int r = out.rank();
        if (out.numel() == 0) {
            return;
        }
        if (a.dim(r - 1) == 0) {
            execute(new Fill(out, 0));
            return;
        }
        Storage[] temporaries = new Storage[2];
        try {
            GemmPlan plan = GemmPlan.of(a, b, out);
            if (plan == null) {
                a = contiguous(a, temporaries, 0);
                plan = GemmPlan.of(a, b, out);
            }
            if (plan == null) {
                b = contiguous(b, temporaries, 1);
                plan = GemmPlan.of(a, b, out);
            }
            Cublas.ComputeType compute = out.dtype() == DType.F64 ? Cublas.ComputeType.F64
                    : a.dtype() == DType.F32 && TF32 ? Cublas.ComputeType.F32_FAST_TF32 : Cublas.ComputeType.F32;
            cublas.gemm(m.name(), plan, dataType(m, a.dtype()), dataType(m, out.dtype()), compute,
                    base(b) + plan.aOffset() * b.dtype().byteSize(), base(a) + plan.bOffset() * a.dtype().byteSize(),
                    base(out) + plan.cOffset() * out.dtype().byteSize());
        } finally {
            for (Storage t : temporaries) {
                if (t != null) {
                    t.release();
                }
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

    /** Whether {@code m}'s epilogue fits {@link #matmulEpilogue}: an F32, F16 or BF16 dense output, c periodic over it. */
    private static boolean cublasEpilogue(MatMul m) {
        Operand c = m.addend();
        return c == null ? PackedElementwise.accepts(m.out()) : PackedElementwise.accepts(m.out(), c);
    }

    /**
     * {@code out = act(alpha * (a b) + beta * c)} as cuBLAS's product in F32, then one pass of the
     * packed epilogue kernel, which scales, adds c, applies act and rounds to out's dtype once. The
     * product goes to an F32 temporary unless out is F32 and not c's storage.
     */
    private void matmulEpilogue(MatMul m) {
        Operand out = m.out();
        Operand c = m.addend();
        boolean inPlace = out.dtype() == DType.F32 && (c == null || c.storage() != out.storage());
        Storage wide = inPlace ? null : allocate(out.numel() * Float.BYTES);
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

    /** Whether {@code m} goes to {@link TensorCoreGemm}, by {@code colossus.cuda.gemm} (see the class comment). */
    private static boolean customGemm(MatMul m) {
        String mode = System.getProperty("colossus.cuda.gemm", "auto");
        boolean wanted = switch (mode) {
            case "custom" -> true;
            case "cublas", "auto" -> false;
            default -> throw new IllegalArgumentException("colossus.cuda.gemm=" + mode + ": expected cublas, custom or auto");
        };
        return wanted && TensorCoreGemm.accepts(m, true);
    }

    /** {@code m} on {@link TensorCoreGemm}, a and b first copied to contiguous temporaries where it cannot read them. */
    private void customMatmul(MatMul m) {
        Storage[] temporaries = new Storage[2];
        try {
            MatMul op = m;
            if (!TensorCoreGemm.accepts(op, false)) {
                op = new MatMul(contiguous(m.a(), temporaries, 0), m.b(), m.c(), m.alpha(), m.beta(), m.activation(), m.out());
            }
            if (!TensorCoreGemm.accepts(op, false)) {
                op = new MatMul(op.a(), contiguous(m.b(), temporaries, 1), m.c(), m.alpha(), m.beta(), m.activation(), m.out());
            }
            TensorCoreGemm.run(op, kernels, context);
        } finally {
            for (Storage t : temporaries) {
                if (t != null) {
                    t.release();
                }
            }
        }
    }

    private Operand contiguous(Operand x, Storage[] temporaries, int slot) {
        Storage storage = allocate(x.numel() * x.dtype().byteSize());
        temporaries[slot] = storage;
        Operand copy = Operand.contiguous(storage, x.dtype(), x.shape());
        copy(new Copy(x, copy));
        return copy;
    }

    /** The dimensions of {@code x} where {@code select[d] == wanted}, as one layout starting at {@code offset}. */
    private static KernelLayout part(Operand x, boolean[] select, boolean wanted, long offset) {
        long[] dims = new long[x.rank()];
        long[] strides = new long[x.rank()];
        int n = 0;
        for (int d = 0; d < x.rank(); d++) {
            if (select[d] == wanted) {
                dims[n] = x.dim(d);
                strides[n++] = x.strides()[d];
            }
        }
        return KernelLayout.of(Arrays.copyOf(dims, n), Arrays.copyOf(strides, n), offset, x.dtype().ordinal());
    }

    private static boolean[] trailing(int rank, int count) {
        boolean[] select = new boolean[rank];
        Arrays.fill(select, rank - count, rank, true);
        return select;
    }

    private static KernelLayout optional(Operand x) {
        return x == null ? KernelLayout.of(new long[0], new long[0], 0, 0) : KernelLayout.of(x);
    }

    /** Threads for one block per row: a power of two from 32 to 256, no more than the row needs. */
    private static int rowThreads(long length) {
        int threads = 32;
        while (threads < THREADS && threads < length) {
            threads *= 2;
        }
        return threads;
    }

    /** The kernel suffix of the arithmetic {@code dtype} computes in. */
    private static String arithmetic(DType dtype) {
        return dtype.isFloatingPoint() ? floating(dtype) : "i64";
    }

    private static String floating(DType dtype) {
        return dtype == DType.F64 ? "f64" : "f32";
    }

    private static DeviceStorage device(Operand x) {
        return (DeviceStorage) x.storage();
    }

    /** The device address of {@code x}'s storage (the layout adds the offset); 0 for an absent operand. */
    private static long base(Operand x) {
        return x == null ? 0 : device(x).address(0);
    }
}
