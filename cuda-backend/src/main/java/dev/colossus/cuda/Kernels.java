package dev.colossus.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * The committed modules, loaded on first use from their SASS where it matches the GPU ({@link Sass})
 * or else from their PTX ({@code /dev/colossus/cuda/ptx/<module>.ptx}), JIT-compiled by the driver,
 * and launches of their kernels on the context's stream. A module that has not passed on a GPU is
 * loaded only where {@link GpuRuns} allows it. Every launch is {@linkplain #check
 * checked} against its kernel's {@link KernelSpec} first; host-side tests subclass this to record the
 * launches instead of making them.
 */
class Kernels {
    private static final int LOG_BYTES = 16384;

    private final CudaContext context;
    private final Map<String, CUmodule> modules = new ConcurrentHashMap<>();
    private final Map<String, Function> functions = new ConcurrentHashMap<>();

    Kernels(CudaContext context) {
        this.context = context;
    }

    /** Launches {@code spec} over {@code blocks} blocks of its threads (at most as many blocks as a grid's x may have); {@code op} names it in errors. */
    void launch(KernelSpec spec, String op, long blocks, Arguments arguments) {
        launch(spec, op, (int) Math.max(1, Math.min(blocks, Integer.MAX_VALUE)), 1, 1, spec.threads(), arguments);
    }

    /**
     * Launches {@code spec} over a {@code gridX x gridY x gridZ} grid of blocks of {@code threads} (at
     * most the spec's), each with the spec's dynamic shared memory (above 48 KiB the kernel is opted in
     * first). Arguments that do not follow the spec's parameters are refused before anything is launched.
     */
    void launch(KernelSpec spec, String op, int gridX, int gridY, int gridZ, int threads, Arguments arguments) {
        check(spec, op, gridX, gridY, gridZ, threads, arguments);
        String module = spec.module(), kernel = spec.entry();
        int sharedBytes = spec.sharedBytes();
        Function function = functions.computeIfAbsent(spec.toString(), key -> function(module, kernel));
        if (sharedBytes > function.sharedLimit) {
            CudaException.check(cuFuncSetAttribute(function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    sharedBytes), op + ": allowing " + spec + " " + sharedBytes + " bytes of shared memory");
            function.sharedLimit = sharedBytes;
        }
        int result = DriverCalls.launchKernel(function.handle(), gridX, gridY, gridZ, threads, sharedBytes,
                context.stream.handle(), arguments.bytes, arguments.size, arguments.offsets, arguments.count);
        CudaException.check(result, op + ": launching " + spec + " (" + gridX + "x" + gridY + "x" + gridZ
                + " blocks of " + threads + ", " + sharedBytes + " bytes shared)");
    }

    /**
     * Refuses a launch of {@code spec} whose arguments do not follow its parameters, or whose block or
     * grid it cannot take: what a wrong call would otherwise leave to the GPU to find.
     */
    static void check(KernelSpec spec, String op, int gridX, int gridY, int gridZ, int threads, Arguments arguments) {
        if (!arguments.params.equals(spec.params())) {
            throw new IllegalStateException(op + ": " + spec + " takes " + spec.params() + ", given " + arguments.params);
        }
        if (threads < 1 || threads > spec.threads()) {
            throw new IllegalStateException(op + ": " + spec + " takes up to " + spec.threads() + " threads a block, given " + threads);
        }
        if (gridX < 1 || gridY < 1 || gridY > 65535 || gridZ < 1 || gridZ > 65535) {
            throw new IllegalStateException(op + ": " + spec + " launched over " + gridX + "x" + gridY + "x" + gridZ + " blocks");
        }
    }

    private Function function(String module, String kernel) {
        Function function = new Function();
        CudaException.check(cuModuleGetFunction(function, modules.computeIfAbsent(module, this::load), kernel),
                "cuModuleGetFunction(" + module + "/" + kernel + ")");
        return function;
    }

    private CUmodule load(String module) {
        CUmodule machineCode = loadSass(module);
        if (machineCode != null) {
            return machineCode;
        }
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
     * The module's committed SASS for this GPU ({@link Sass}) where {@link GpuRuns#mayLoad} allows it;
     * null, and the PTX is JIT-compiled, when there is none or the driver refuses it.
     */
    private CUmodule loadSass(String module) {
        Sass.Cubin cubin = Sass.find(module, context.computeMajor, context.computeMinor);
        if (cubin == null || !GpuRuns.mayLoad(cubin.file(), cubin.bytes())) {
            return null;
        }
        context.makeCurrent();
        CUmodule loaded = new CUmodule();
        int result = cuModuleLoadData(loaded, cubin.bytes());
        if (result != CUresult.CUDA_SUCCESS) {
            System.getLogger("dev.colossus.cuda").log(System.Logger.Level.WARNING, cubin.file() + " did not load on "
                    + context.describe() + " (" + CUresult.stringFor(result) + "): JIT-compiling " + module + ".ptx instead");
            return null;
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
     * aligned to its size (8 for a {@link KernelLayout}, 64 for a {@link TensorMap}), little-endian;
     * {@link #params} records what was packed, for {@link #launch} to hold against the kernel's spec.
     */
    static final class Arguments {
        final List<KernelSpec.Param> params = new ArrayList<>();
        byte[] bytes = new byte[1024];
        int[] offsets = new int[16];
        int size;
        int count;

        Arguments i32(int v) {
            return put(KernelSpec.Param.I32, 4, v);
        }

        Arguments i64(long v) {
            return put(KernelSpec.Param.I64, 8, v);
        }

        Arguments f32(float v) {
            return put(KernelSpec.Param.F32, 4, Float.floatToRawIntBits(v));
        }

        Arguments f64(double v) {
            return put(KernelSpec.Param.F64, 8, Double.doubleToRawLongBits(v));
        }

        /** A device address ({@code const void*}); 0 for null. */
        Arguments address(long v) {
            return put(KernelSpec.Param.ADDRESS, 8, v);
        }

        Arguments layout(KernelLayout layout) {
            params.add(KernelSpec.Param.LAYOUT);
            int at = next(8, KernelLayout.BYTES);
            layout.writeTo(bytes, at);
            return this;
        }

        /** A {@link TensorMap}'s 128 bytes, passed by value ({@code const __grid_constant__ CUtensorMap}). */
        Arguments tensorMap(byte[] map) {
            params.add(KernelSpec.Param.TENSOR_MAP);
            int at = next(64, TensorMap.BYTES);
            System.arraycopy(map, 0, bytes, at, TensorMap.BYTES);
            return this;
        }

        private Arguments put(KernelSpec.Param param, int width, long v) {
            params.add(param);
            int at = next(width, width);
            for (int i = 0; i < width; i++) {
                bytes[at + i] = (byte) (v >>> 8 * i);
            }
            return this;
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
