package dev.colossus.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.colossus.spi.Collector;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * cuBLAS through the FFM API: a handle bound to the context's stream and the two GEMM entry points
 * Colossus uses. Works with {@code libcublas.so.12} and {@code .so.13} alike: every function here has
 * the same signature in both.
 */
final class Cublas {
    static final int OP_N = 0;
    static final int OP_T = 1;
    private static final int GEMM_DEFAULT = -1;
    private static final Linker LINKER = Linker.nativeLinker();

    /** {@code cudaDataType} of each floating dtype. */
    enum DataType {
        F32(0), F64(1), F16(2), BF16(14);

        final int code;

        DataType(int code) {
            this.code = code;
        }
    }

    /** {@code cublasComputeType_t}: F32 accumulation (pedantic unless TF32 is asked for), F64. */
    enum ComputeType {
        F32(68), F32_FAST_TF32(77), F64(70);

        final int code;

        ComputeType(int code) {
            this.code = code;
        }
    }

    /** {@code CUBLAS_STATUS_ALLOC_FAILED}: cuBLAS could not allocate its workspace. */
    private static final int ALLOC_FAILED = 3;

    final CublasLibrary.Found library;
    final int version;
    private final CudaContext context;
    private final MemorySegment handle;
    private final MethodHandle gemmStridedBatched;
    private final MethodHandle statusString;

    /** Loads cuBLAS and creates a handle on {@code context}'s stream; the context must be current. */
    Cublas(CublasLibrary.Found library, CudaContext context) {
        this.library = library;
        this.context = context;
        long stream = context.stream.handle();
        if (library.lt() != null) {
            SymbolLookup.libraryLookup(library.lt(), Arena.global());
        }
        SymbolLookup lookup = SymbolLookup.libraryLookup(library.library(), Arena.global());
        MethodHandle create = handle(lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle setStream = handle(lookup, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle getVersion = handle(lookup, "cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        statusString = handle(lookup, "cublasGetStatusString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        gemmStridedBatched = handle(lookup, "cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,          // handle, transa, transb, m, n, k
                ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG,                      // alpha, A, Atype, lda, strideA
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG,                               // B, Btype, ldb, strideB
                ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG,                      // beta, C, Ctype, ldc, strideC
                JAVA_INT, JAVA_INT, JAVA_INT));                                       // batchCount, computeType, algo
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) create.invokeExact(out), "cublasCreate");
            handle = out.get(ADDRESS, 0);
            check((int) setStream.invokeExact(handle, MemorySegment.ofAddress(stream)), "cublasSetStream");
            MemorySegment v = arena.allocate(JAVA_INT);
            check((int) getVersion.invokeExact(handle, v), "cublasGetVersion");
            version = v.get(JAVA_INT, 0);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("initialising cuBLAS from " + library.library() + ": " + t, t);
        }
    }

    /**
     * {@code C_p = op(A_p) op(B_p)} for {@code p < batch}, column-major, where {@code X_p} starts
     * {@code p * strideX} elements after {@code X}: {@code (m,k) x (k,n) -> (m,n)}, with alpha 1 and beta 0;
     * A and B of type {@code in}, C of type {@code out} (F32 for F16/BF16 inputs, or the inputs' own).
     */
    synchronized void gemm(String op, GemmPlan plan, DataType in, DataType out, ComputeType compute, long a, long b, long c) {
        int status = gemmStatus(plan, in, out, compute, a, b, c);
        if (status == ALLOC_FAILED) {
            context.releaseCachedMemory();
            Collector.collectAndAwaitCleaners(context.liveBytes::get);
            context.releaseCachedMemory();
            status = gemmStatus(plan, in, out, compute, a, b, c);
        }
        if (status == ALLOC_FAILED) {
            long[] info = context.memoryInfo();
            throw new CudaOutOfMemoryException(op + ": cuBLAS could not allocate its workspace on " + context.device, -1,
                    info[0], info[1], context.liveBytes.get());
        }
        check(status, op + ": cublasGemmStridedBatchedEx " + plan);
    }

    /** One call of {@code cublasGemmStridedBatchedEx}: its status. */
    private int gemmStatus(GemmPlan plan, DataType in, DataType out, ComputeType compute, long a, long b, long c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one;
            MemorySegment zero;
            if (compute == ComputeType.F64) {
                one = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 1.0);
                zero = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 0.0);
            } else {
                one = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
                zero = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
            }
            return (int) gemmStridedBatched.invokeExact(handle, plan.transA(), plan.transB(), plan.m(), plan.n(),
                    plan.k(), one, MemorySegment.ofAddress(a), in.code, plan.lda(), plan.strideA(),
                    MemorySegment.ofAddress(b), in.code, plan.ldb(), plan.strideB(),
                    zero, MemorySegment.ofAddress(c), out.code, plan.ldc(), plan.strideC(),
                    plan.batch(), compute.code, GEMM_DEFAULT);
        } catch (Throwable t) {
            throw new IllegalStateException("calling cuBLAS: " + t, t);
        }
    }

    /** {@code "cuBLAS 13.0.2 (/usr/local/lib/.../libcublas.so.13)"} */
    String describe() {
        return "cuBLAS " + version / 10000 + "." + version / 100 % 100 + "." + version % 100 + " (" + library.library() + ")";
    }

    private void check(int status, String doing) {
        check(statusString, status, doing);
    }

    /** Throws a {@link CudaException} naming {@code doing} and the status's text ({@code statusString}'s) unless it is 0. */
    static void check(MethodHandle statusString, int status, String doing) {
        if (status != 0) {
            String text;
            try {
                text = ((MemorySegment) statusString.invokeExact(status)).reinterpret(256).getString(0);
            } catch (Throwable t) {
                text = "status " + status;
            }
            throw new CudaException(doing + " failed: " + text, status);
        }
    }

    /** A handle on the function {@code name} of a cuBLAS library (cuBLAS's or cuBLASLt's). */
    static MethodHandle handle(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(lookup.find(name)
                .orElseThrow(() -> new IllegalStateException("no " + name + " in the cuBLAS library found")), descriptor);
    }
}
