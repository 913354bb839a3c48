package dev.colossus.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The driver calls every op makes, bound to {@code libcuda.so.1} through the FFM API:
 * {@code cuCtxSetCurrent}, {@code cuMemAllocAsync}, {@code cuMemFreeAsync} and {@code cuLaunchKernel}.
 * Through JCuda each is a JNI call, and a launch also marshals every kernel parameter as its own Java
 * array; here a launch writes its parameters into one native buffer per thread and is a single
 * downcall. JCuda keeps everything else (modules, copies, events, the context's creation).
 * A small op costs under a third of what it did through JCuda (measured on an H100:
 * {@code benchmarks/results/gpu/README.md}).
 *
 * <p>Each method returns the driver's {@code CUresult}; the caller checks it and names the op.
 */
final class DriverCalls {
    private static final ValueLayout.OfInt UINT = ValueLayout.JAVA_INT;
    private static final MethodHandle CTX_SET_CURRENT;
    private static final MethodHandle MEM_ALLOC_ASYNC;
    private static final MethodHandle MEM_FREE_ASYNC;
    private static final MethodHandle LAUNCH_KERNEL;

    static {
        SymbolLookup driver = SymbolLookup.libraryLookup(CudaDriver.LIBRARY, Arena.global());
        CTX_SET_CURRENT = bind(driver, "cuCtxSetCurrent", FunctionDescriptor.of(UINT, ValueLayout.ADDRESS));
        MEM_ALLOC_ASYNC = bind(driver, "cuMemAllocAsync",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        MEM_FREE_ASYNC = bind(driver, "cuMemFreeAsync",
                FunctionDescriptor.of(UINT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        LAUNCH_KERNEL = bind(driver, "cuLaunchKernel", FunctionDescriptor.of(UINT, ValueLayout.ADDRESS,
                UINT, UINT, UINT, UINT, UINT, UINT, UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    /**
     * Per thread: 8 bytes for an allocation's address, then from byte {@link #PARAMETERS_AT} (64-byte
     * aligned, as a tensor map parameter is) the kernel parameters, then their pointer array.
     */
    private static final ThreadLocal<MemorySegment[]> SCRATCH =
            ThreadLocal.withInitial(() -> new MemorySegment[] {Arena.ofAuto().allocate(4096, 64)});
    private static final int PARAMETERS_AT = 64;

    private DriverCalls() {
    }

    static int ctxSetCurrent(long context) {
        try {
            return (int) CTX_SET_CURRENT.invokeExact(MemorySegment.ofAddress(context));
        } catch (Throwable t) {
            throw unexpected("cuCtxSetCurrent", t);
        }
    }

    /** Allocates {@code bytes} in stream order; on success {@link #allocated()} is the address. */
    static int memAllocAsync(long bytes, long stream) {
        try {
            return (int) MEM_ALLOC_ASYNC.invokeExact(scratch(8), bytes, MemorySegment.ofAddress(stream));
        } catch (Throwable t) {
            throw unexpected("cuMemAllocAsync", t);
        }
    }

    /** The address the calling thread's last successful {@link #memAllocAsync} returned. */
    static long allocated() {
        return scratch(8).get(ValueLayout.JAVA_LONG, 0);
    }

    static int memFreeAsync(long address, long stream) {
        try {
            return (int) MEM_FREE_ASYNC.invokeExact(address, MemorySegment.ofAddress(stream));
        } catch (Throwable t) {
            throw unexpected("cuMemFreeAsync", t);
        }
    }

    /**
     * Launches {@code function} on a grid of {@code gridX x gridY x gridZ} blocks of {@code threads}:
     * {@code parameters} holds the kernel's parameters packed as the kernel declares them, parameter
     * {@code i} at byte {@code offsets[i]}.
     */
    static int launchKernel(long function, int gridX, int gridY, int gridZ, int threads, int sharedBytes, long stream,
                            byte[] parameters, int parameterBytes, int[] offsets, int count) {
        long pointersAt = PARAMETERS_AT + (parameterBytes + 7L & ~7L);
        MemorySegment scratch = scratch(pointersAt + 8L * count);
        MemorySegment.copy(parameters, 0, scratch, ValueLayout.JAVA_BYTE, PARAMETERS_AT, parameterBytes);
        for (int i = 0; i < count; i++) {
            scratch.set(ValueLayout.JAVA_LONG, pointersAt + 8L * i, scratch.address() + PARAMETERS_AT + offsets[i]);
        }
        try {
            return (int) LAUNCH_KERNEL.invokeExact(MemorySegment.ofAddress(function), gridX, gridY, gridZ, threads, 1, 1, sharedBytes,
                    MemorySegment.ofAddress(stream), scratch.asSlice(pointersAt), MemorySegment.NULL);
        } catch (Throwable t) {
            throw unexpected("cuLaunchKernel", t);
        }
    }

    /** The calling thread's scratch buffer, at least {@code bytes} long. */
    private static MemorySegment scratch(long bytes) {
        MemorySegment[] holder = SCRATCH.get();
        if (holder[0].byteSize() < bytes) {
            holder[0] = Arena.ofAuto().allocate(Math.max(bytes, 2 * holder[0].byteSize()), 64);
        }
        return holder[0];
    }

    private static MethodHandle bind(SymbolLookup driver, String name, FunctionDescriptor descriptor) {
        return Linker.nativeLinker().downcallHandle(driver.find(name)
                .orElseThrow(() -> new IllegalStateException(CudaDriver.LIBRARY + " has no " + name)), descriptor);
    }

    private static IllegalStateException unexpected(String function, Throwable t) {
        return new IllegalStateException(function + " through the FFM API failed: " + t, t);
    }
}
