package dev.colossus.cpu;

import dev.colossus.DType;
import dev.colossus.cpu.attention.CpuAttention;
import dev.colossus.cpu.elementwise.CpuDoubleElementwise;
import dev.colossus.cpu.elementwise.CpuElementwise;
import dev.colossus.cpu.elementwise.CpuIntegerCast;
import dev.colossus.cpu.elementwise.CpuIntegerElementwise;
import dev.colossus.cpu.elementwise.CpuRotary;
import dev.colossus.cpu.indexing.CpuGather;
import dev.colossus.cpu.indexing.CpuIndexing;
import dev.colossus.cpu.indexing.CpuJoins;
import dev.colossus.cpu.indexing.CpuScatter;
import dev.colossus.cpu.matmul.CpuMatMul;
import dev.colossus.cpu.matmul.MicroKernel;
import dev.colossus.cpu.matmul.VectorMatMulF64;
import dev.colossus.cpu.norm.CpuNormalization;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.ordering.CpuOrdering;
import dev.colossus.cpu.reduce.CpuDoubleReduce;
import dev.colossus.cpu.reduce.CpuIntegerReduce;
import dev.colossus.cpu.reduce.CpuReduce;
import dev.colossus.cpu.reduce.CpuScan;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.op.AddRmsNorm;
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
import dev.colossus.op.Where;
import dev.colossus.reference.ReferenceKernels;
import dev.colossus.spi.HostBackend;
import dev.colossus.spi.Operand;

/**
 * The CPU backend: every op on host memory. F32, F16 and BF16 (and BOOL masks and results) run on
 * the SIMD kernels, multithreaded, and so do F64 matmul, the binary functions of I32 and I64 and
 * casts to and from them; the other F64 ops, the integer types' other ops and attention with an empty
 * head dimension (whose scores are all {@code scale * 0}) run on the reference kernels, scalar;
 * copies within one dtype move bytes.
 */
public final class CpuBackend extends HostBackend {
    @Override
    public String name() {
        return "cpu";
    }

    /** Every op but the 8-bit float product, which the dispatcher widens to F32 and multiplies on the kernels below. */
    @Override
    public boolean supports(Op op) {
        return !(op instanceof ScaledMatMul);
    }

    /**
     * Runs {@code op} on the kernels below: on native copies of the operands that wrap a Java array
     * ({@link HeapOperands}), and on the calling thread alone when an operand lies in memory the worker
     * threads may not touch (a tensor wrapping a confined arena's segment).
     */
    @Override
    public void execute(Op op) {
        if (HeapOperands.any(op)) {
            HeapOperands.run(op, CpuBackend::executeNative);
        } else {
            executeNative(op);
        }
    }

    private static void executeNative(Op op) {
        if (workersCanAccess(op)) {
            dispatch(op);
        } else {
            CpuParallel.onCallerThread(() -> dispatch(op));
        }
    }

    private static boolean workersCanAccess(Op op) {
        for (Operand x : op.inputs()) {
            if (!CpuParallel.workersCanAccess(x.segment())) {
                return false;
            }
        }
        return CpuParallel.workersCanAccess(op.out().segment());
    }

    private static void dispatch(Op op) {
        switch (op) {
            case Copy c when c.src().dtype() == c.out().dtype() -> CpuElementwise.copy(c);
            case Copy c when FloatIO.casts(c.src().dtype()) && FloatIO.casts(c.out().dtype()) -> CpuElementwise.cast(c);
            case Copy c when CpuIntegerCast.handles(c) -> CpuIntegerCast.cast(c);
            case Copy c when CpuDoubleElementwise.casts(c) -> CpuDoubleElementwise.cast(c);
            case Fill f when FloatIO.handles(f.out().dtype()) -> CpuElementwise.fill(f);
            case Fill f when f.out().dtype() == DType.F64 -> CpuDoubleElementwise.fill(f);
            case Unary u when computesInF32(u.x().dtype()) -> CpuElementwise.unary(u);
            case Unary u when CpuIntegerElementwise.handles(u) -> CpuIntegerElementwise.unary(u);
            case Unary u when u.x().dtype() == DType.F64 -> CpuDoubleElementwise.unary(u);
            case Binary b when FloatIO.handles(b.a().dtype()) -> CpuElementwise.binary(b);
            case Binary b when CpuIntegerElementwise.handles(b) -> CpuIntegerElementwise.binary(b);
            case Binary b when b.a().dtype() == DType.F64 -> CpuDoubleElementwise.binary(b);
            case Where w when FloatIO.handles(w.a().dtype()) -> CpuElementwise.where(w);
            case Where w when CpuIntegerElementwise.handles(w) -> CpuIntegerElementwise.where(w);
            case Where w when CpuDoubleElementwise.handles(w) -> CpuDoubleElementwise.where(w);
            case Gather g when CpuIndexing.selectsSlabs(g) -> CpuIndexing.selectSlabs(g);
            case Gather g -> CpuGather.gather(g);
            case Scatter s when CpuScatter.handles(s) -> CpuScatter.scatter(s);
            case Concat c when CpuJoins.joinsRows(c) -> CpuJoins.joinRows(c);
            case Concat c -> c.copies().forEach(CpuBackend::dispatch);
            case Rotary r when computesInF32(r.x().dtype()) -> CpuRotary.rotary(r);
            case CumSum c when computesInF32(c.x().dtype()) || c.x().dtype() == DType.F64 -> CpuScan.cumsum(c);
            case TopK t when CpuOrdering.handles(t) -> CpuOrdering.topk(t);
            case Reduce r when computesInF32(r.x().dtype()) -> CpuReduce.reduce(r);
            case Reduce r when CpuIntegerReduce.handles(r) -> CpuIntegerReduce.reduce(r);
            case Reduce r when CpuDoubleReduce.handles(r) -> CpuDoubleReduce.reduce(r);
            case MatMul m when computesInF32(m.a().dtype()) -> CpuMatMul.matmul(m);
            case MatMul m when m.a().dtype() == DType.F64 && Simd.BITS > 0 && m.activation() == null -> VectorMatMulF64.matmul(m);
            case Softmax s when computesInF32(s.x().dtype()) -> CpuNormalization.softmax(s);
            case LayerNorm n when computesInF32(n.x().dtype()) -> CpuNormalization.layerNorm(n);
            case RmsNorm n when computesInF32(n.x().dtype()) -> CpuNormalization.rmsNorm(n);
            case AddRmsNorm n when computesInF32(n.x().dtype()) -> CpuNormalization.addRmsNorm(n);
            case Attention a when computesInF32(a.q().dtype()) && a.q().dim(3) > 0 && a.v().dim(3) > 0 -> CpuAttention.attention(a);
            default -> ReferenceKernels.execute(op);
        }
    }

    private static boolean computesInF32(DType dtype) {
        return dtype == DType.F32 || dtype.isHalf();
    }

    /** What the provider reports: kernels, threads and GEMM blocking. */
    public static String describe() {
        return Simd.describe() + ", " + CpuParallel.THREADS + " threads, GEMM tile " + MicroKernel.instance().mr() + "x"
                + MicroKernel.instance().nr() + ", " + CpuMatMul.BLOCKING;
    }
}
