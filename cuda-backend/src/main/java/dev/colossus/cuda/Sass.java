package dev.colossus.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The committed SASS of a module ({@code /dev/colossus/cuda/ptx/<module>.<arch>.cubin}, assembled
 * from its PTX by {@code build-ptx.sh}) that a GPU of compute capability {@code major.minor} runs: on
 * 9.0 the {@code sm_90a} build of a module of Hopper's own instructions, else its {@code sm_90} build;
 * on 8.x the {@code sm_80} build (SASS runs on its own major version, any minor at or above its own);
 * on any other GPU none, and the driver JIT-compiles the PTX. Machine code needs no JIT at first use
 * and is what our ptxas reported spills for, whatever the user's driver. {@link Kernels} takes it where
 * its bytes passed on a GPU ({@link GpuRuns}: the sm_90 and sm_90a builds, on an H200; the sm_80 ones
 * never ran) and falls back to the PTX when the driver refuses it.
 */
final class Sass {
    private Sass() {
    }

    /** The architectures to look for, best first, on a GPU of compute capability {@code major.minor}. */
    static String[] architectures(int major, int minor) {
        if (major == 9 && minor == 0) {
            return new String[] {"sm_90a", "sm_90"};
        }
        return major == 8 ? new String[] {"sm_80"} : new String[0];
    }

    /** The file name and bytes of {@code module}'s SASS for this GPU, or null when none is committed. */
    static Cubin find(String module, int major, int minor) {
        for (String arch : architectures(major, minor)) {
            String file = module + "." + arch + ".cubin";
            try (InputStream in = Sass.class.getResourceAsStream("/dev/colossus/cuda/ptx/" + file)) {
                if (in != null) {
                    return new Cubin(file, in.readAllBytes());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file, e);
            }
        }
        return null;
    }

    /** A cubin's file name (its row in {@code gpu-runs.md}) and bytes. */
    record Cubin(String file, byte[] bytes) {
    }
}
