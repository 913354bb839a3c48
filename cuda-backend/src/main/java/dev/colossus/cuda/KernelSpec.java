package dev.colossus.cuda;

import java.util.List;

/**
 * One kernel as the launcher and the tests know it, declared once: the PTX module and entry, its
 * parameters in order, the most threads a block may have, and the dynamic shared memory a block takes.
 * {@link Kernels#launch} refuses arguments that do not follow {@link #params}; {@code KernelSpecTest}
 * checks every spec against the {@code .entry} signature in the committed PTX, and {@code
 * KernelLaunchTest} every family's launches against their specs, so a wrong parameter list fails on
 * a machine without a GPU.
 */
record KernelSpec(String module, String entry, int threads, int sharedBytes, List<Param> params) {
    /** A kernel parameter, as {@link Kernels.Arguments} packs it and as it reads in a PTX signature. */
    enum Param {
        I32("u32"), I64("u64"), F32("f32"), F64("f64"),
        /** A device address, {@code const void*}: 0 for null. */
        ADDRESS("u64"),
        /** A {@link KernelLayout}, {@code struct Layout} by value. */
        LAYOUT("b8[" + KernelLayout.BYTES + "] align 8"),
        /** A {@link TensorMap}, {@code const __grid_constant__ CUtensorMap}. */
        TENSOR_MAP("b8[" + TensorMap.BYTES + "] align 64");

        /** The parameter's type in a PTX {@code .entry} signature: {@code .param .u32 x} reads {@code u32}. */
        final String ptx;

        Param(String ptx) {
            this.ptx = ptx;
        }
    }

    static KernelSpec of(String module, String entry, int threads, int sharedBytes, Param... params) {
        return new KernelSpec(module, entry, threads, sharedBytes, List.of(params));
    }

    /** This kernel in another build of its module (an {@code .unvalidated} variant declares the same entries). */
    KernelSpec in(String build) {
        return build.equals(module) ? this : new KernelSpec(build, entry, threads, sharedBytes, params);
    }

    /** Threads for a kernel that takes a row per block: a power of two from 32 to {@link #threads}, no more than the row needs. */
    int threadsForRow(long length) {
        int t = 32;
        while (t < threads && t < length) {
            t *= 2;
        }
        return t;
    }

    @Override
    public String toString() {
        return module + "/" + entry;
    }
}
