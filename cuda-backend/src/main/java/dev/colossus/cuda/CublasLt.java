package dev.colossus.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.colossus.DType;
import dev.colossus.op.ScaledMatMul;
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
 * The 8-bit float product {@link ScaledMatMul} on cuBLASLt, through the FFM API:
 * {@code out = scaleA scaleB (a b)}, {@code (M, K) x (K, N) -> (M, N)}, a and b F8E4M3 or F8E5M2 (not
 * both F8E5M2), out F32, BF16 or F16, accumulated in F32, on Ada and Hopper (compute capability 8.9 and
 * above). Works with {@code libcublasLt.so.12} and {@code .so.13} alike: every function here has the
 * same signature in both.
 *
 * <p>cuBLASLt multiplies 8-bit floats only "TN", both factors K-major: in row-major terms a with unit
 * stride along K (a row-major (M, K)) and b with unit stride along K (a weight (N, K) transposed, as
 * {@code linear} and {@code torch._scaled_mm} take it). Column-major, the product is {@code outᵀ (N, M)
 * = bᵀ (N, K) aᵀ (K, M)}: cuBLASLt's A is b's memory, (K, N) with leading dimension b's stride along N,
 * transposed; its B is a's memory, (K, M) with a's row stride; D is out, (N, M) with leading dimension
 * N. Hence A's scale is scaleB, and B's scale scaleA. Leading dimensions and K are multiples of 16
 * and the factors start 16-byte aligned, as cuBLASLt requires; {@link #accepts} says no otherwise.
 *
 * <p>The algorithm cuBLASLt's heuristic picks is kept per shape and type ({@value #PLANS} plans at
 * most), with its descriptors; a 32 MiB workspace is allocated on first use and kept.
 *
 * <p><b>Never run on a GPU</b>: {@code CudaBackend} takes it only with {@code
 * -Dcolossus.cuda.unvalidatedKernels=true}.
 */
final class CublasLt {
    private static final int COMPUTE_32F = 68, SCALE_32F = 0;
    private static final int DESC_TRANSA = 3, DESC_TRANSB = 4, DESC_A_SCALE_POINTER = 17, DESC_B_SCALE_POINTER = 18;
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
    private final Map<PlanKey, Plan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private DeviceStorage workspace;

    /** The shape and types one plan serves. */
    private record PlanKey(long m, long n, long k, long lda, long ldb, DType a, DType b, DType out) {
    }

    /** The descriptors of one shape and the algorithm the heuristic chose for it (in a global segment). */
    private record Plan(MemorySegment desc, MemorySegment aLayout, MemorySegment bLayout, MemorySegment outLayout,
            MemorySegment algorithm) {
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
     * {@code out = scaleA scaleB (a b)} for an {@code s} that {@link #accepts} takes, on the context's
     * stream; a, b, out and the scales (F32 scalars) given by their device addresses.
     */
    synchronized void scaledMatmul(ScaledMatMul s, long a, long b, long scaleA, long scaleB, long out) {
        Operand x = s.a(), y = s.b();
        long m = s.out().dim(0), n = s.out().dim(1), k = x.dim(1);
        PlanKey key = new PlanKey(m, n, k, leading(x.strides()[0], m, k), leading(y.strides()[1], n, k), x.dtype(), y.dtype(),
                s.out().dtype());
        Plan plan = plans.computeIfAbsent(key, this::plan);
        evictBeyond(PLANS);
        try (Arena arena = Arena.ofConfined()) {
            setPointer(arena, plan.desc(), DESC_A_SCALE_POINTER, scaleB);
            setPointer(arena, plan.desc(), DESC_B_SCALE_POINTER, scaleA);
            MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f), zero = arena.allocateFrom(JAVA_FLOAT, 0f);
            MemorySegment d = MemorySegment.ofAddress(out);
            check((int) matmul.invokeExact(handle, plan.desc(), one, MemorySegment.ofAddress(b), plan.aLayout(),
                    MemorySegment.ofAddress(a), plan.bLayout(), zero, d, plan.outLayout(), d, plan.outLayout(), plan.algorithm(),
                    MemorySegment.ofAddress(workspace().address(0)), WORKSPACE_BYTES,
                    MemorySegment.ofAddress(context.stream.handle())), s.name() + ": cublasLtMatmul " + key);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calling cuBLASLt: " + t, t);
        }
    }

    /** The descriptors for {@code key} and the algorithm cuBLASLt's heuristic ranks first for them. */
    private Plan plan(PlanKey key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment desc = created(arena, descCreate, "cublasLtMatmulDescCreate", COMPUTE_32F, SCALE_32F);
            setInt(arena, desc, DESC_TRANSA, Cublas.OP_T);
            setInt(arena, desc, DESC_TRANSB, Cublas.OP_N);
            MemorySegment aLayout = layout(arena, key.b(), key.k(), key.n(), key.ldb());
            MemorySegment bLayout = layout(arena, key.a(), key.k(), key.m(), key.lda());
            MemorySegment outLayout = layout(arena, key.out(), key.n(), key.m(), key.n());
            MemorySegment preference = created(arena, preferenceCreate, "cublasLtMatmulPreferenceCreate");
            try {
                check((int) preferenceSetAttribute.invokeExact(preference, PREFERENCE_MAX_WORKSPACE_BYTES,
                        arena.allocateFrom(JAVA_LONG, WORKSPACE_BYTES), JAVA_LONG.byteSize()), "cublasLtMatmulPreferenceSetAttribute");
                MemorySegment result = Arena.global().allocate(HEURISTIC_RESULT_BYTES, 8);
                MemorySegment count = arena.allocate(JAVA_INT);
                check((int) heuristic.invokeExact(handle, desc, aLayout, bLayout, outLayout, outLayout, preference, 1, result, count),
                        "cublasLtMatmulAlgoGetHeuristic " + key);
                if (count.get(JAVA_INT, 0) == 0) {
                    throw new CudaException("scaledMatmul: cuBLASLt has no algorithm for " + key + " on " + context.describe(), -1);
                }
                return new Plan(desc, aLayout, bLayout, outLayout, result);
            } finally {
                int ignored = (int) preferenceDestroy.invokeExact(preference);
            }
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calling cuBLASLt: " + t, t);
        }
    }

    /** Destroys the least recently used plans' descriptors until at most {@code most} remain. */
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
