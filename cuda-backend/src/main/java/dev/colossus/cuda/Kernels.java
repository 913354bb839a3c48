package dev.colossus.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JITOptions;

/**
 * The committed PTX modules ({@code /dev/colossus/cuda/ptx/<module>.ptx}), JIT-compiled by the driver
 * for this GPU on first use, and launches of their kernels on the context's stream. A module that has
 * not passed on a GPU is loaded only where {@link GpuRuns} allows it.
 */
final class Kernels {
    private static final int LOG_BYTES = 16384;

    private final CudaContext context;
    private final Map<String, CUmodule> modules = new ConcurrentHashMap<>();
    private final Map<String, Function> functions = new ConcurrentHashMap<>();

    Kernels(CudaContext context) {
        this.context = context;
    }

    /** Launches {@code module/kernel} over {@code blocks} blocks of {@code threads}; {@code op} names it in errors. */
    void launch(String op, String module, String kernel, long blocks, int threads, Arguments arguments) {
        launch(op, module, kernel, (int) Math.max(1, Math.min(blocks, Integer.MAX_VALUE)), 1, 1, threads, 0, arguments);
    }

    /**
     * Launches {@code module/kernel} over a {@code gridX x gridY x gridZ} grid of blocks of {@code threads},
     * each with {@code sharedBytes} of dynamic shared memory (above 48 KiB the kernel is opted in first).
     */
    void launch(String op, String module, String kernel, int gridX, int gridY, int gridZ, int threads, int sharedBytes,
                Arguments arguments) {
        Function function = functions.computeIfAbsent(module + "/" + kernel, key -> function(module, kernel));
        if (sharedBytes > function.sharedLimit) {
            CudaException.check(cuFuncSetAttribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    sharedBytes), op + ": allowing " + module + "/" + kernel + " " + sharedBytes + " bytes of shared memory");
            function.sharedLimit = sharedBytes;
        }
        int result = DriverCalls.launchKernel(function.handle(), gridX, gridY, gridZ, threads, sharedBytes,
                context.stream.handle(), arguments.bytes, arguments.size, arguments.offsets, arguments.count);
        CudaException.check(result, op + ": launching " + module + "/" + kernel + " (" + gridX + "x" + gridY + "x" + gridZ
                + " blocks of " + threads + ", " + sharedBytes + " bytes shared)");
    }

    private Function function(String module, String kernel) {
        Function function = new Function();
        CudaException.check(cuModuleGetFunction(function, modules.computeIfAbsent(module, this::load), kernel),
                "cuModuleGetFunction(" + module + "/" + kernel + ")");
        return function;
    }

    private CUmodule load(String module) {
        String resource = "/dev/colossus/cuda/ptx/" + module + ".ptx";
        byte[] ptx;
        try (InputStream in = Kernels.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing kernel module " + resource);
            }
            byte[] text = in.readAllBytes();
            GpuRuns.checkMayLoad(module, text);
            ptx = new byte[text.length + 1];
            System.arraycopy(text, 0, ptx, 0, text.length);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
        context.makeCurrent();
        JITOptions options = new JITOptions();
        options.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[LOG_BYTES]);
        options.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
        CUmodule loaded = new CUmodule();
        int result = cuModuleLoadDataJIT(loaded, Pointer.to(ptx), options);
        if (result != CUresult.CUDA_SUCCESS) {
            String log = options.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
            throw new CudaException("JIT compilation of " + resource + " (PTX " + PtxVersion.of(new String(ptx, 0, ptx.length - 1,
                    StandardCharsets.US_ASCII)) + ") for " + context.describe() + " failed: "
                    + CUresult.stringFor(result) + (log == null || log.isBlank() ? "" : "\n" + log.strip()), result);
        }
        return loaded;
    }

    /**
     * A {@link CUfunction} whose raw handle can be passed to {@link DriverCalls#launchKernel}, and the
     * dynamic shared memory it has been allowed (48 KiB without asking).
     */
    private static final class Function extends CUfunction {
        volatile int sharedLimit = 48 * 1024;

        long handle() {
            return getNativePointer();
        }
    }

    /**
     * A kernel's parameters, in declaration order, packed as the kernel sees them: each at an offset
     * aligned to its size (8 for a {@link KernelLayout}, 64 for a {@link TensorMap}), little-endian.
     */
    static final class Arguments {
        byte[] bytes = new byte[1024];
        int[] offsets = new int[16];
        int size;
        int count;

        Arguments i32(int v) {
            put(4, v);
            return this;
        }

        Arguments i64(long v) {
            put(8, v);
            return this;
        }

        Arguments f32(float v) {
            return i32(Float.floatToRawIntBits(v));
        }

        Arguments f64(double v) {
            return i64(Double.doubleToRawLongBits(v));
        }

        /** A device address ({@code const void*}); 0 for null. */
        Arguments address(long v) {
            return i64(v);
        }

        Arguments layout(KernelLayout layout) {
            int at = next(8, KernelLayout.BYTES);
            layout.writeTo(bytes, at);
            return this;
        }

        /** A {@link TensorMap}'s 128 bytes, passed by value ({@code const __grid_constant__ CUtensorMap}). */
        Arguments tensorMap(byte[] map) {
            int at = next(64, TensorMap.BYTES);
            System.arraycopy(map, 0, bytes, at, TensorMap.BYTES);
            return this;
        }

        private void put(int width, long v) {
            int at = next(width, width);
            for (int i = 0; i < width; i++) {
                bytes[at + i] = (byte) (v >>> 8 * i);
            }
        }

        /** Reserves {@code width} bytes at the next multiple of {@code alignment}; returns their offset. */
        private int next(int alignment, int width) {
            int at = size + alignment - 1 & -alignment;
            if (at + width > bytes.length) {
                bytes = Arrays.copyOf(bytes, 2 * (at + width));
            }
            if (count == offsets.length) {
                offsets = Arrays.copyOf(offsets, 2 * count);
            }
            offsets[count++] = at;
            size = at + width;
            return at;
        }
    }
}
