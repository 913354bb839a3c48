package dev.colossus.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * What the NVIDIA driver ({@code libcuda.so.1}) reports, read through the FFM API with three calls:
 * {@code cuInit}, {@code cuDriverGetVersion} and {@code cuDeviceGetCount}. Nothing else is loaded.
 *
 * @param cudaVersion the driver's CUDA version as the driver encodes it, e.g. 13000 for 13.0
 * @param devices     how many CUDA devices it sees
 */
record CudaDriver(int cudaVersion, int devices) {
    static final String LIBRARY = "libcuda.so.1";

    /** Reads the driver; throws {@link IllegalStateException} with the reason when there is none to read. */
    static CudaDriver read() {
        SymbolLookup driver;
        try {
            driver = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException notFound) {
            throw new IllegalStateException(LIBRARY + " not found (no NVIDIA driver on the loader path)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            int init = (int) call(driver, "cuInit", ValueLayout.JAVA_INT).invokeExact(0);
            if (init != 0) {
                throw new IllegalStateException("cuInit failed with CUresult " + init
                        + (init == 100 ? " (CUDA_ERROR_NO_DEVICE)" : ""));
            }
            check((int) call(driver, "cuDriverGetVersion", ValueLayout.ADDRESS).invokeExact(value), "cuDriverGetVersion");
            int version = value.get(ValueLayout.JAVA_INT, 0);
            check((int) call(driver, "cuDeviceGetCount", ValueLayout.ADDRESS).invokeExact(value), "cuDeviceGetCount");
            return new CudaDriver(version, value.get(ValueLayout.JAVA_INT, 0));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("calling " + LIBRARY + " failed: " + t, t);
        }
    }

    private static MethodHandle call(SymbolLookup driver, String name, ValueLayout argument) {
        MemorySegment symbol = driver.find(name)
                .orElseThrow(() -> new IllegalStateException(LIBRARY + " has no " + name));
        return Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT, argument));
    }

    private static void check(int result, String function) {
        if (result != 0) {
            throw new IllegalStateException(function + " failed with CUresult " + result);
        }
    }

    /** {@code "CUDA 13.0"} */
    String versionText() {
        return "CUDA " + cudaVersion / 1000 + "." + cudaVersion % 1000 / 10;
    }
}
