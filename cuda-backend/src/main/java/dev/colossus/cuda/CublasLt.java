package dev.colossus.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.colossus.DType;
import dev.colossus.op.MatMul;
import dev.colossus.op.ScaledMatMul;
import dev.colossus.op.UnaryFn;
import dev.colossus.spi.Operand;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * cuBLASLt through the FFM API, for what cuBLAS's classic API lacks: the 8-bit float product {@link
 * ScaledMatMul} and a product with its bias and activation in the GEMM's epilogue. Works with {@code
 * libcublasLt.so.12} and {@code .so.13} alike: every function here has the same signature in both.
 *
 * <p><b>8-bit floats</b>: {@code out = scaleA scaleB (a b)}, {@code (M, K) x (K, N) -> (M, N)}, a and b
 * F8E4M3 or F8E5M2 (not both F8E5M2), out F32, BF16 or F16, accumulated in F32, on Ada and Hopper
 * (compute capability 8.9 and above). cuBLASLt multiplies them only "TN", both factors K-major: in
 * row-major terms a with unit stride along K (a row-major (M, K)) and b with unit stride along K (a
 * weight (N, K) transposed, as {@code linear} and {@code torch._scaled_mm} take it). Column-major
 * ({@link GemmPlan}), the product is {@code outᵀ (N, M) = bᵀ (N, K) aᵀ (K, M)}: cuBLASLt's A is b's
 * memory, (K, N) transposed; its B is a's memory, (K, M); so A's scale is scaleB, and B's scale
 * scaleA. Leading dimensions and K are multiples of 16 and the factors start 16-byte aligned, as
 * cuBLASLt requires; {@link #accepts(ScaledMatMul)} says no otherwise.
 *
 * <p><b>Epilogues</b>: {@code act(a b + bias)} for F16 and BF16, one matrix (batch 1) in any layout
 * {@link GemmPlan} reads, the bias a row broadcast down out's rows (linear's, one value a feature), act
 * ReLU, tanh-GELU (cuBLASLt's GELU is the tanh form) or none: {@link #acceptsEpilogue}.
 *
 * <p>The algorithm cuBLASLt's heuristic picks is kept per shape, layout and type ({@value #PLANS} plans
 * at most), with its descriptors; a 32 MiB workspace is allocated on first use and kept.
 *
 * <p><b>Never run on a GPU</b>: {@code CudaBackend} takes it only with {@code
 * -Dcolossus.cuda.unvalidatedKernels=true}.
 */
final class CublasLt {
    private static final int COMPUTE_32F = 68, SCALE_32F = 0;
    private static final int DESC_TRANSA = 3, DESC_TRANSB = 4, DESC_EPILOGUE = 7, DESC_BIAS_POINTER = 8;
    private static final int DESC_A_SCALE_POINTER = 17, DESC_B_SCALE_POINTER = 18;
    /** {@code cublasLtEpilogue_t}: none, ReLU, bias, tanh-GELU; bias and an activation together are their sum (6, 36). */
    private static final int EPILOGUE_DEFAULT = 1, EPILOGUE_RELU = 2, EPILOGUE_BIAS = 4, EPILOGUE_GELU = 32;
    private static final int PREFERENCE_MAX_WORKSPACE_BYTES = 1;
    /** {@code cublasLtMatmulHeuristicResult_t}: the algorithm (64 bytes), workspace size, state, waves, 4 reserved ints. */
    private static final long HEURISTIC_RESULT_BYTES = 96;
    private static final long WORKSPACE_BYTES = 32L << 20;
    private static final int PLANS = 64;
    /** The alignment of factors' starts and leading dimensions, in bytes (one byte an element). */
    private static final int ALIGNMENT = 16;

    private final CudaContext context;
    private final MemorySegment handle;
    private final MethodHandle descCreate, descSetAttribute, descDestroy, layoutCreate, layoutDestroy, preferenceCreate,
            preferenceSetAttribute, preferenceDestroy, heuristic, matmul, statusString;
    private final Map<Gemm, Plan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private DeviceStorage workspace;

    /**
     * One column-major product {@code D (m, n) = epilogue(op(A) op(B))} as cuBLASLt sees it: the op
     * flags, sizes, leading dimensions and types of A, B and D, and the epilogue.
     */
    private record Gemm(int transA, int transB, long m, long n, long k, long lda, long ldb, long ldd, DType aType, DType bType,
            DType outType, int epilogue) {
    }

    /** The descriptors of one shape and the algorithm the heuristic chose for it, in the plan's own arena. */
    private record Plan(MemorySegment desc, MemorySegment aLayout, MemorySegment bLayout, MemorySegment outLayout,
            MemorySegment algorithm, Arena arena) {
    }

    /** Loads cuBLASLt from {@code library} and creates a handle; the context must be current. */
    CublasLt(Path library, CudaContext context) {
        this.context = context;
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        MethodHandle create = Cublas.handle(lookup, "cublasLtCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        statusString = Cublas.handle(lookup, "cublasLtGetStatusString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        descCreate = Cublas.handle(lookup, "cublasLtMatmulDescCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        descSetAttribute = Cublas.handle(lookup, "cublasLtMatmulDescSetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
        descDestroy = Cublas.handle(lookup, "cublasLtMatmulDescDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        layoutCreate = Cublas.handle(lookup, "cublasLtMatrixLayoutCreate",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        layoutDestroy = Cublas.handle(lookup, "cublasLtMatrixLayoutDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        preferenceCreate = Cublas.handle(lookup, "cublasLtMatmulPreferenceCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        preferenceSetAttribute = Cublas.handle(lookup, "cublasLtMatmulPreferenceSetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
        preferenceDestroy = Cublas.handle(lookup, "cublasLtMatmulPreferenceDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        heuristic = Cublas.handle(lookup, "cublasLtMatmulAlgoGetHeuristic", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        matmul = Cublas.handle(lookup, "cublasLtMatmul", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS,                      // handle, desc, alpha
                ADDRESS, ADDRESS, ADDRESS, ADDRESS,             // A, Adesc, B, Bdesc
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,    // beta, C, Cdesc, D, Ddesc
                ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));         // algo, workspace, its size, stream
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) create.invokeExact(out), "cublasLtCreate");
            handle = out.get(ADDRESS, 0);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("initialising cuBLASLt from " + library + ": " + t, t);
        }
    }

    /**
     * Whether cuBLASLt takes {@code s} as it is laid out: rank 2, a and b K-major with leading dimensions
     * and starts on 16 bytes, K a multiple of 16, not both factors F8E5M2, and out's rows 16-byte aligned.
     */
    static boolean accepts(ScaledMatMul s) {
        Operand a = s.a(), b = s.b(), out = s.out();
        if (out.rank() != 2 || a.dtype() == DType.F8E5M2 && b.dtype() == DType.F8E5M2) {
            return false;
        }
        long k = a.dim(1), lda = leading(a.strides()[0], a.dim(0), k), ldb = leading(b.strides()[1], b.dim(1), k);
        boolean kMajor = (a.strides()[1] == 1 || k == 1) && (b.strides()[0] == 1 || k == 1);
        return kMajor && k % ALIGNMENT == 0 && lda % ALIGNMENT == 0 && ldb % ALIGNMENT == 0 && a.offset() % ALIGNMENT == 0
                && b.offset() % ALIGNMENT == 0 && out.dim(1) * out.dtype().byteSize() % ALIGNMENT == 0 && lda >= k && ldb >= k;
    }

    /** A factor's leading dimension: its stride between K-runs, or K where there is one run (cuBLASLt ignores it then). */
    private static long leading(long stride, long runs, long k) {
        return runs == 1 ? k : stride;
    }

    /**
     * {@code out = scaleA scaleB (a b)} for an {@code s} that {@link #accepts(ScaledMatMul)} takes, on
     * the context's stream; a, b, out and the scales (F32 scalars) given by their device addresses.
     */
    synchronized void scaledMatmul(ScaledMatMul s, long a, long b, long scaleA, long scaleB, long out) {
        Operand x = s.a(), y = s.b();
        long m = s.out().dim(0), n = s.out().dim(1), k = x.dim(1);
        Gemm gemm = new Gemm(Cublas.OP_T, Cublas.OP_N, n, m, k, leading(y.strides()[1], n, k), leading(x.strides()[0], m, k), n,
                y.dtype(), x.dtype(), s.out().dtype(), EPILOGUE_DEFAULT);
        run(s.name(), gemm, b, a, out, (arena, desc) -> {
            setPointer(arena, desc, DESC_A_SCALE_POINTER, scaleB);
            setPointer(arena, desc, DESC_B_SCALE_POINTER, scaleA);
        });
    }

    /**
     * Whether {@link #matmulWithEpilogue} takes {@code m}: F16 or BF16 throughout, one matrix in a layout
     * {@link GemmPlan} reads, alpha 1, no addend or a bias (beta 1, out's dtype, broadcast down the
     * rows), and ReLU, tanh-GELU or no activation.
     */
    static boolean acceptsEpilogue(MatMul m) {
        DType dtype = m.out().dtype();
        Operand c = m.addend();
        int r = m.out().rank();
        boolean bias = c == null || m.beta() == 1 && c.dtype() == dtype && c.strides()[r - 2] == 0
                && (c.strides()[r - 1] == 1 || c.dim(r - 1) == 1);
        boolean activation = m.activation() == null || m.activation() == UnaryFn.RELU || m.activation() == UnaryFn.GELU_TANH;
        if (!dtype.isHalf() || m.a().dtype() != dtype || m.b().dtype() != dtype || m.alpha() != 1 || !bias || !activation) {
            return false;
        }
        GemmPlan plan = GemmPlan.of(m.a(), m.b(), m.out());
        return plan != null && plan.batch() == 1;
    }

    /**
     * {@code out = act(a b + bias)} for an {@code m} that {@link #acceptsEpilogue} takes, its bias (or 0
     * for none) given by its device address; the factors' and out's addresses are of their first elements.
     */
    synchronized void matmulWithEpilogue(MatMul m, long a, long b, long bias, long out) {
        GemmPlan plan = GemmPlan.of(m.a(), m.b(), m.out());
        int activation = m.activation() == null ? 0 : m.activation() == UnaryFn.RELU ? EPILOGUE_RELU : EPILOGUE_GELU;
        int epilogue = activation | (bias == 0 ? 0 : EPILOGUE_BIAS);
        DType dtype = m.out().dtype();
        Gemm gemm = new Gemm(plan.transA(), plan.transB(), plan.m(), plan.n(), plan.k(), plan.lda(), plan.ldb(), plan.ldc(), dtype, dtype,
                dtype, epilogue == 0 ? EPILOGUE_DEFAULT : epilogue);
        run(m.name(), gemm, b, a, out, (arena, desc) -> {
            if (bias != 0) {
                setPointer(arena, desc, DESC_BIAS_POINTER, bias);
            }
        });
    }

    /** What a call sets on its plan's descriptor: the addresses that differ from call to call. */
    private interface PerCall {
        void set(Arena arena, MemorySegment desc) throws Throwable;
    }

    /** {@code D = epilogue(op(A) op(B))} with {@code gemm}'s plan, A, B and D at these device addresses. */
    private void run(String op, Gemm gemm, long a, long b, long d, PerCall perCall) {
        Plan plan = plans.computeIfAbsent(gemm, this::plan);
        evictBeyond(PLANS);
        try (Arena arena = Arena.ofConfined()) {
            perCall.set(arena, plan.desc());
            MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f), zero = arena.allocateFrom(JAVA_FLOAT, 0f);
            MemorySegment out = MemorySegment.ofAddress(d);
            check((int) matmul.invokeExact(handle, plan.desc(), one, MemorySegment.ofAddress(a), plan.aLayout(),
                    MemorySegment.ofAddress(b), plan.bLayout(), zero, out, plan.outLayout(), out, plan.outLayout(), plan.algorithm(),
                    MemorySegment.ofAddress(workspace().address(0)), WORKSPACE_BYTES,
                    MemorySegment.ofAddress(context.stream.handle())), op + ": cublasLtMatmul " + gemm);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calling cuBLASLt: " + t, t);
        }
    }

    /** The descriptors for {@code gemm} and the algorithm cuBLASLt's heuristic ranks first for them. */
    private Plan plan(Gemm gemm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment desc = created(arena, descCreate, "cublasLtMatmulDescCreate", COMPUTE_32F, SCALE_32F);
            setInt(arena, desc, DESC_TRANSA, gemm.transA());
            setInt(arena, desc, DESC_TRANSB, gemm.transB());
            setInt(arena, desc, DESC_EPILOGUE, gemm.epilogue());
            boolean aStored = gemm.transA() == Cublas.OP_N, bStored = gemm.transB() == Cublas.OP_N;
            MemorySegment aLayout = layout(arena, gemm.aType(), aStored ? gemm.m() : gemm.k(), aStored ? gemm.k() : gemm.m(), gemm.lda());
            MemorySegment bLayout = layout(arena, gemm.bType(), bStored ? gemm.k() : gemm.n(), bStored ? gemm.n() : gemm.k(), gemm.ldb());
            MemorySegment outLayout = layout(arena, gemm.outType(), gemm.m(), gemm.n(), gemm.ldd());
            MemorySegment preference = created(arena, preferenceCreate, "cublasLtMatmulPreferenceCreate");
            try {
                check((int) preferenceSetAttribute.invokeExact(preference, PREFERENCE_MAX_WORKSPACE_BYTES,
                        arena.allocateFrom(JAVA_LONG, WORKSPACE_BYTES), JAVA_LONG.byteSize()), "cublasLtMatmulPreferenceSetAttribute");
                MemorySegment result = arena.allocate(HEURISTIC_RESULT_BYTES, 8);
                MemorySegment count = arena.allocate(JAVA_INT);
                check((int) heuristic.invokeExact(handle, desc, aLayout, bLayout, outLayout, outLayout, preference, 1, result, count),
                        "cublasLtMatmulAlgoGetHeuristic " + gemm);
                if (count.get(JAVA_INT, 0) == 0) {
                    throw new CudaException("cuBLASLt has no algorithm for " + gemm + " on " + context.describe(), -1);
                }
                Arena planArena = Arena.ofShared();
                return new Plan(desc, aLayout, bLayout, outLayout, planArena.allocate(HEURISTIC_RESULT_BYTES, 8).copyFrom(result),
                        planArena);
            } finally {
                int ignored = (int) preferenceDestroy.invokeExact(preference);
            }
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calling cuBLASLt: " + t, t);
        }
    }

    /** Destroys the least recently used plans' descriptors, and frees their algorithms, until at most {@code most} remain. */
    private void evictBeyond(int most) {
        var eldest = plans.entrySet().iterator();
        while (plans.size() > most) {
            Plan plan = eldest.next().getValue();
            eldest.remove();
            try {
                int ignored = (int) descDestroy.invokeExact(plan.desc());
                for (MemorySegment layout : new MemorySegment[] {plan.aLayout(), plan.bLayout(), plan.outLayout()}) {
                    ignored = (int) layoutDestroy.invokeExact(layout);
                }
                plan.arena().close();
            } catch (Throwable t) {
                throw new IllegalStateException("calling cuBLASLt: " + t, t);
            }
        }
    }

    private DeviceStorage workspace() {
        if (workspace == null) {
            workspace = DeviceStorage.allocate(context, WORKSPACE_BYTES);
        }
        return workspace;
    }

    /** A column-major {@code rows x cols} layout of {@code dtype} with leading dimension {@code ld}. */
    private MemorySegment layout(Arena arena, DType dtype, long rows, long cols, long ld) throws Throwable {
        MemorySegment out = arena.allocate(ADDRESS);
        check((int) layoutCreate.invokeExact(out, dataType(dtype), rows, cols, ld), "cublasLtMatrixLayoutCreate");
        return out.get(ADDRESS, 0);
    }

    /** {@code create(&out, arguments...)}'s out. */
    private MemorySegment created(Arena arena, MethodHandle create, String name, int... arguments) throws Throwable {
        MemorySegment out = arena.allocate(ADDRESS);
        int status = arguments.length == 0 ? (int) create.invokeExact(out) : (int) create.invokeExact(out, arguments[0], arguments[1]);
        check(status, name);
        return out.get(ADDRESS, 0);
    }

    private void setInt(Arena arena, MemorySegment desc, int attribute, int value) throws Throwable {
        check((int) descSetAttribute.invokeExact(desc, attribute, arena.allocateFrom(JAVA_INT, value), JAVA_INT.byteSize()),
                "cublasLtMatmulDescSetAttribute " + attribute);
    }

    private void setPointer(Arena arena, MemorySegment desc, int attribute, long address) throws Throwable {
        check((int) descSetAttribute.invokeExact(desc, attribute, arena.allocateFrom(JAVA_LONG, address), JAVA_LONG.byteSize()),
                "cublasLtMatmulDescSetAttribute " + attribute);
    }

    /** {@code cudaDataType} of the dtypes cuBLASLt's 8-bit float product reads and writes. */
    static int dataType(DType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 2;
            case BF16 -> 14;
            case F8E4M3 -> 28;
            case F8E5M2 -> 29;
            default -> throw new IllegalArgumentException("no cuBLASLt data type for " + dtype);
        };
    }

    private void check(int status, String doing) {
        Cublas.check(statusString, status, doing);
    }
}
