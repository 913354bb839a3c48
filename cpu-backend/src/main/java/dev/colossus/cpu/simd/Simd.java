package dev.colossus.cpu.simd;

import dev.colossus.cpu.settings.CpuSettings;
import java.lang.System.Logger.Level;

/**
 * The SIMD width of the CPU kernels, fixed for the life of the process: the Vector API's preferred
 * width, or {@code -Dcolossus.cpu.vectorBits=0|128|256|512} (0: scalar kernels; see
 * {@link CpuSettings}). Without the {@code jdk.incubator.vector} module the kernels are scalar, said
 * once in the log.
 */
public final class Simd {
    public static final String PROPERTY = "colossus.cpu.vectorBits";

    /** Whether {@code jdk.incubator.vector} is resolved in this process. */
    public static final boolean VECTOR_MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** 0 (scalar), 128, 256 or 512. */
    public static final int BITS;

    /** Why the requested width cannot be honoured, or {@code null}. */
    public static final String PROBLEM;

    static {
        int requested = CpuSettings.current().vectorBits();
        int bits = 0;
        String problem = null;
        if (requested > 0 && !VECTOR_MODULE) {
            problem = PROPERTY + "=" + requested + " needs --add-modules jdk.incubator.vector";
        } else if (requested != CpuSettings.PREFERRED_WIDTH) {
            bits = requested;
        } else if (VECTOR_MODULE) {
            bits = PreferredWidth.bits();
        }
        if (!VECTOR_MODULE && problem == null) {
            System.getLogger("dev.colossus.cpu").log(Level.WARNING, "jdk.incubator.vector is not resolved: the CPU "
                    + "backend runs scalar kernels; run with --add-modules jdk.incubator.vector for SIMD");
        }
        BITS = bits;
        PROBLEM = problem;
    }

    private Simd() {
    }

    /** {@code "Vector API, 512-bit"} or {@code "scalar kernels (...)"}. */
    public static String describe() {
        if (BITS > 0) {
            return "Vector API, " + BITS + "-bit" + (BITS > PreferredWidth.bits() ? " (wider than this CPU's "
                    + PreferredWidth.bits() + "-bit: emulated, slow)" : "");
        }
        return VECTOR_MODULE ? "scalar kernels (" + PROPERTY + "=0)"
                : "scalar kernels (jdk.incubator.vector not resolved)";
    }

    /** Loaded only when the Vector API module is present. */
    private static final class PreferredWidth {
        static int bits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
