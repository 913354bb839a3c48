package dev.colossus.bench;

import dev.colossus.cpu.settings.CpuSettings;
import org.bytedeco.openblas.global.openblas_full;

/**
 * OpenBLAS as a peer, at its best: {@code OPENBLAS_CORETYPE} forces OpenBLAS onto one CPU's kernels
 * whatever it runs on (this project's machines set it to Haswell, which halves OpenBLAS on an AVX-512
 * part), so a benchmark that measures OpenBLAS refuses to start while it is set, unless
 * {@code -Dbench.openblasCoretype=keep} says the handicap is wanted. The run scripts unset it
 * ({@code env -u OPENBLAS_CORETYPE}), and the reports name the kernel OpenBLAS picked ({@link #describe()}).
 */
public final class OpenBlasPeer {
    static final String VARIABLE = "OPENBLAS_CORETYPE";

    private OpenBlasPeer() {
    }

    /** Refuses a forced kernel (see above), then gives OpenBLAS as many threads as the CPU backend has. */
    static void prepare() {
        refuseForcedKernel();
        openblas_full.openblas_set_num_threads(CpuSettings.current().threads());
    }

    /** Throws while {@code OPENBLAS_CORETYPE} forces a kernel, unless {@code -Dbench.openblasCoretype=keep}. */
    static void refuseForcedKernel() {
        String forced = System.getenv(VARIABLE);
        if (forced != null && !forced.isBlank() && !"keep".equals(System.getProperty("bench.openblasCoretype"))) {
            throw new IllegalStateException(VARIABLE + "=" + forced + " holds OpenBLAS to that CPU's kernels (on an "
                    + "AVX-512 machine Haswell's run at half speed): run with it unset (env -u " + VARIABLE
                    + " java ..., as benchmarks/run-*.sh do), or pass -Dbench.openblasCoretype=keep to measure it so");
        }
    }

    /**
     * Prints {@link #describe()}: run by {@code benchmarks/run-matmul.sh} beside the benchmark, in the
     * same environment, into the results folder.
     *
     * @param args none
     */
    public static void main(String[] args) {
        System.out.println(describe());
    }

    /** {@code OpenBLAS 0.3.31 ... kernel Zen (OPENBLAS_CORETYPE unset)}: what a report records of the peer. */
    static String describe() {
        String forced = System.getenv(VARIABLE);
        return openblas_full.openblas_get_config().getString() + ", kernel " + openblas_full.openblas_get_corename().getString()
                + " (" + VARIABLE + (forced == null ? " unset)" : "=" + forced + ")");
    }
}
