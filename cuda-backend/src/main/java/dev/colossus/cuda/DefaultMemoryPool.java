package dev.colossus.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import jcuda.driver.CUmemPool_attribute;

/**
 * The device's default stream-ordered memory pool, which {@code cuMemAllocAsync} draws from. JCuda
 * 12.6 has no binding for {@code cuDeviceGetDefaultMemPool} or {@code cuMemPoolSetAttribute}, so these
 * three calls go to {@code libcuda.so.1} through the FFM API.
 *
 * <p>By default a pool returns its free memory to the driver at every synchronisation; a release
 * threshold keeps up to that many bytes cached, so that steady-state allocation costs no driver call.
 */
final class DefaultMemoryPool {
    private static final Linker LINKER = Linker.nativeLinker();
    private final MemorySegment pool;
    private final MethodHandle setAttribute;
    private final MethodHandle trimTo;

    private DefaultMemoryPool(MemorySegment pool, MethodHandle setAttribute, MethodHandle trimTo) {
        this.pool = pool;
        this.setAttribute = setAttribute;
        this.trimTo = trimTo;
    }

    static DefaultMemoryPool of(int deviceOrdinal) {
        SymbolLookup driver = SymbolLookup.libraryLookup(CudaDriver.LIBRARY, Arena.global());
        MethodHandle getDefault = handle(driver, "cuDeviceGetDefaultMemPool",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle set = handle(driver, "cuMemPoolSetAttribute",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        MethodHandle trim = handle(driver, "cuMemPoolTrimTo",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudaException.check((int) getDefault.invokeExact(out, deviceOrdinal), "cuDeviceGetDefaultMemPool");
            return new DefaultMemoryPool(out.get(ValueLayout.ADDRESS, 0), set, trim);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cuDeviceGetDefaultMemPool: " + t, t);
        }
    }

    /** Keeps up to {@code bytes} of freed memory in the pool across synchronisations. */
    void setReleaseThreshold(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            value.set(ValueLayout.JAVA_LONG, 0, bytes);
            CudaException.check((int) setAttribute.invokeExact(pool,
                    CUmemPool_attribute.CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, value), "cuMemPoolSetAttribute(RELEASE_THRESHOLD)");
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cuMemPoolSetAttribute: " + t, t);
        }
    }

    /** Returns cached free memory to the driver until at most {@code bytes} stay reserved. */
    void trimTo(long bytes) {
        try {
            CudaException.check((int) trimTo.invokeExact(pool, bytes), "cuMemPoolTrimTo");
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cuMemPoolTrimTo: " + t, t);
        }
    }

    private static MethodHandle handle(SymbolLookup driver, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(driver.find(name)
                .orElseThrow(() -> new IllegalStateException(CudaDriver.LIBRARY + " has no " + name)), descriptor);
    }
}
