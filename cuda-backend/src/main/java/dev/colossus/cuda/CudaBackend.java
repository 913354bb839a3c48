package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.address;

import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.MemoryStats;
import dev.colossus.op.AddRmsNorm;
import dev.colossus.op.Arange;
import dev.colossus.op.Attention;
import dev.colossus.op.Binary;
import dev.colossus.op.Concat;
import dev.colossus.op.Copy;
import dev.colossus.op.CumSum;
import dev.colossus.op.Fill;
import dev.colossus.op.Gather;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.MatMul;
import dev.colossus.op.Op;
import dev.colossus.op.Reduce;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Rotary;
import dev.colossus.op.ScaledMatMul;
import dev.colossus.op.Scatter;
import dev.colossus.op.Softmax;
import dev.colossus.op.TopK;
import dev.colossus.op.Unary;
import dev.colossus.op.UnaryFn;
import dev.colossus.op.Where;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Every op on one NVIDIA GPU, all issued on one stream: a router, as {@code CpuBackend} is, over the
 * op families, each a class of its own: {@link CudaElementwise} (with {@link PackedElementwise}),
 * {@link CudaReduce}, {@link CudaSoftmax}, {@link CudaNorms}, {@link CublasMatMul}, {@link
 * TensorCoreGemm} and {@link FusedAttention}. Each kernel they launch is declared once, a {@link
 * KernelSpec}; the settings are {@link CudaOptions}.
 *
 * <p>GEMM: {@code colossus.cuda.gemm=auto} (the default) takes cuBLAS for every product, {@code custom}
 * sends F16/BF16 products to {@link TensorCoreGemm}, its epilogue fused, {@code cublas} forces cuBLAS;
 * why auto is cuBLAS, as measured: {@code benchmarks/results/gpu/README.md}. With {@code
 * -Dcolossus.cuda.unvalidatedKernels=true}, auto puts a linear layer's bias and ReLU or tanh-GELU in
 * {@link CublasLt}'s epilogue, which has not yet run on a GPU. Attention: {@link
 * FusedAttention} where it applies (F16/BF16, head dimension 64 or 128), else composed by {@code
 * Decompositions} from batched matmuls, elementwise ops and the softmax kernel; {@code
 * colossus.cuda.attention=fused|composed} forces either.
 *
 * <p>{@link CudaIndexing}'s gathers, scatters, running sums and rotary embeddings, and {@link
 * CudaOrdering}'s topk (lines to 4096, or k to 256: else supports says no and topk fails with the op
 * named). No kernel reads or writes I8, I16, U8, F8E4M3 or F8E5M2 (a tensor of them moves to and
 * from the GPU; cast it on the host), but {@link CublasLt}'s 8-bit float product, which has not yet
 * run on a GPU and is taken only with {@code -Dcolossus.cuda.unvalidatedKernels=true}.
 *
 * <p>F32, F16 and BF16 compute in F32, F64 in F64, integers in 64-bit integers. GEMM accumulates in
 * F32 (F64 for F64).
 *
 * <p>Kernels run asynchronously: a fault inside one surfaces at the next synchronisation, which names
 * the last op this thread issued (the stream is shared: it may be another thread's op that faulted);
 * {@code colossus.cuda.syncEachOp=true} waits after every op, so the error names the op that
 * faulted. A fault that loses the context (an illegal address, a failed launch) makes this and every
 * later call throw {@link CudaContextLostException}, the first failure as its cause ({@link ContextHealth}).
 */
public final class CudaBackend implements Backend {
    /** Every kernel the families launch, declared once each. */
    static final List<KernelSpec> KERNELS = Stream.of(CudaElementwise.SPECS, PackedElementwise.SPECS, CudaReduce.SPECS,
            CudaSoftmax.SPECS, CudaNorms.SPECS, TensorCoreGemm.SPECS, FusedAttention.SPECS, CudaIndexing.SPECS,
            CudaOrdering.SPECS).flatMap(List::stream)
            .toList();

    private final CudaContext context;
    private final PinnedStaging staging;
    private final Cublas cublas;
    private final Kernels kernels;
    private final CudaElementwise elementwise;
    private final CudaReduce reduce;
    private final CudaSoftmax softmax;
    private final CudaNorms norms;
    private final CudaIndexing indexing;
    private final CudaOrdering ordering;
    private final CublasMatMul cublasMatMul;
    private final CublasLibrary.Found cublasLibrary;
    /** cuBLASLt, loaded on first use: the first 8-bit float product or epilogue it takes. */
    private CublasLt cublasLt;
    /** The op this thread issued last: an error that surfaces later names it (the stream is shared by every thread). */
    private final ThreadLocal<String> lastOp = ThreadLocal.withInitial(() -> "nothing yet");

    CudaBackend(int ordinal, CublasLibrary.Found cublasLibrary) {
        JCudaNatives.load();
        context = new CudaContext(ordinal);
        staging = new PinnedStaging(context);
        cublas = new Cublas(cublasLibrary, context);
        kernels = new Kernels(context);
        elementwise = new CudaElementwise(kernels, context);
        reduce = new CudaReduce(kernels, context);
        softmax = new CudaSoftmax(kernels, context);
        norms = new CudaNorms(kernels, context);
        indexing = new CudaIndexing(kernels, context);
        ordering = new CudaOrdering(kernels, context);
        cublasMatMul = new CublasMatMul(cublas, kernels, context, elementwise);
        this.cublasLibrary = cublasLibrary;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Device device() {
        return context.device;
    }

    /**
     * The GPU and the libraries in use, for {@code Backends.describe()} and logs.
     *
     * @return the description, one line
     */
    public String describe() {
        return context.describe() + ", " + cublas.describe() + (CudaOptions.AT_START.tf32() ? ", TF32 on" : ", TF32 off");
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

    /**
     * Device memory in live storages, in the small blocks cached for reuse (the driver pool's free
     * reserve for large blocks is not counted), and the peak of live.
     */
    @Override
    public Optional<MemoryStats> memoryStats() {
        return Optional.of(new MemoryStats(device(), context.liveBytes.get(), context.blocks.cachedBytes(),
                context.peakBytes.get()));
    }

    @Override
    public boolean supports(Op op) {
        if (!kernelsExist(op)) {
            return false;
        }
        if (op instanceof Attention a) {
            return CudaOptions.routing().attention() == CudaOptions.AttentionPath.FUSED && FusedAttention.accepts(a);
        }
        if (op instanceof MatMul m && m.hasEpilogue()) {
            return customGemm(m) || takesEpilogueOnLt(m) || CublasMatMul.acceptsEpilogue(m);
        }
        if (op instanceof AddRmsNorm || op instanceof Concat) {
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
            if (CudaOptions.AT_START.syncEachOp()) {
                context.synchronize(op.name());
            }
        } catch (CudaException e) {
            throw context.health.failed(op.name(), e);
        }
    }

    private void issue(Op op) {
        context.makeCurrent();
        switch (op) {
            case Copy c -> elementwise.copy(c);
            case Fill f -> elementwise.fill(f);
            case Arange a -> elementwise.arange(a);
            case Unary u -> elementwise.unary(u);
            case Binary b -> elementwise.binary(b);
            case Where w -> elementwise.where(w);
            case Reduce r -> reduce.reduce(r);
            case MatMul m when customGemm(m) -> TensorCoreGemm.run(m, kernels, context, elementwise);
            case MatMul m when m.hasEpilogue() && takesEpilogueOnLt(m) -> cublasLt().matmulWithEpilogue(m, address(m.a()), address(m.b()),
                    m.addend() == null ? 0 : address(m.addend()), address(m.out()));
            case MatMul m when m.hasEpilogue() -> cublasMatMul.matmulWithEpilogue(m);
            case MatMul m -> cublasMatMul.matmul(m);
            case Softmax s -> softmax.softmax(s);
            case LayerNorm n -> norms.layerNorm(n);
            case RmsNorm n -> norms.rmsNorm(n);
            case AddRmsNorm n -> throw new UnsupportedOperationException(n.name() + " runs as an add and an rmsNorm on "
                    + device() + " (supports says no)");
            case Concat c -> throw new UnsupportedOperationException(c.name() + " runs as one copy a part on "
                    + device() + " (supports says no)");
            case Attention a -> FusedAttention.run(a, kernels, context);
            case Gather g -> indexing.gather(g);
            case Scatter sc -> indexing.scatter(sc);
            case CumSum c -> indexing.cumsum(c);
            case TopK t -> ordering.topk(t);
            case Rotary r -> indexing.rotary(r);
            case ScaledMatMul s -> scaledMatmul(s);
        }
    }

    /** {@code out = scaleA scaleB (a b)} on cuBLASLt ({@link CublasLt}); zeros for K = 0. */
    private void scaledMatmul(ScaledMatMul s) {
        Operand out = s.out();
        if (out.numel() == 0) {
            return;
        }
        if (s.a().dim(1) == 0) {
            elementwise.fill(new Fill(out, 0));
            return;
        }
        cublasLt().scaledMatmul(s, address(s.a()), address(s.b()), address(s.scaleA()), address(s.scaleB()), address(out));
    }

    /**
     * Whether {@code m}'s epilogue runs in cuBLASLt's GEMM ({@link CublasLt#acceptsEpilogue}): never run
     * on a GPU, so only with {@code -Dcolossus.cuda.unvalidatedKernels=true}, with {@code
     * colossus.cuda.gemm=auto} (the default; {@code cublas} keeps cuBLAS and the epilogue pass), and
     * where cuBLASLt lies beside cuBLAS.
     */
    private boolean takesEpilogueOnLt(MatMul m) {
        return CudaOptions.AT_START.unvalidatedKernels() && CudaOptions.routing().gemm() == CudaOptions.Gemm.AUTO
                && cublasLibrary.lt() != null && CublasLt.acceptsEpilogue(m);
    }

    /** The GPU's compute capability as one number: 90 for 9.0. */
    int computeCapability() {
        return context.computeMajor * 10 + context.computeMinor;
    }

    private synchronized CublasLt cublasLt() {
        if (cublasLt == null) {
            cublasLt = new CublasLt(cublasLibrary.lt(), context);
        }
        return cublasLt;
    }

    /**
     * Whether {@code s} runs on cuBLASLt: never run on a GPU, so only with {@code
     * -Dcolossus.cuda.unvalidatedKernels=true}; a cuBLASLt beside cuBLAS, a GPU of compute capability
     * 8.9 or above, and a layout {@link CublasLt#accepts}.
     */
    private boolean takesScaledMatmul(ScaledMatMul s) {
        return CudaOptions.AT_START.unvalidatedKernels() && cublasLibrary.lt() != null
                && computeCapability() >= 89 && CublasLt.accepts(s);
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

    /**
     * False for the ops without a kernel: any on I8, I16, U8 or the 8-bit floats but the 8-bit float
     * product cuBLASLt takes ({@link #takesScaledMatmul}), a TopK that {@link CudaOrdering} does not
     * take, a Scatter that {@link CudaIndexing} does not, and GEMM epilogues with an activation after
     * SILU (the GEMM modules' function tables end there).
     */
    private boolean kernelsExist(Op op) {
        if (op instanceof ScaledMatMul s) {
            return takesScaledMatmul(s);
        }
        if (op.inputs().stream().anyMatch(o -> heldOnly(o.dtype())) || heldOnly(op.out().dtype())) {
            return false;
        }
        return switch (op) {
            case TopK t -> CudaOrdering.accepts(t);
            case Scatter s -> CudaIndexing.accepts(s);
            case MatMul m -> m.activation() == null || m.activation().ordinal() <= UnaryFn.SILU.ordinal();
            default -> true;
        };
    }

    /**
     * I8, I16, U8 and the 8-bit floats: held and moved on the GPU, computed on by no kernel (their
     * dtype codes are past the kernels' tables).
     */
    private static boolean heldOnly(DType dtype) {
        return dtype == DType.I8 || dtype == DType.I16 || dtype == DType.U8 || dtype.isFp8();
    }

    /** Whether {@code m} goes to {@link TensorCoreGemm}, by {@code colossus.cuda.gemm} (see the class comment). */
    private static boolean customGemm(MatMul m) {
        return CudaOptions.routing().gemm() == CudaOptions.Gemm.CUSTOM && TensorCoreGemm.accepts(m, true);
    }
}
