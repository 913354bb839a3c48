package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.colossus.cpu.CpuBackend;
import dev.colossus.cpu.simd.Simd;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A guard against the micro-kernels' slow compilations: in one JVM and on one thread, a micro-kernel's
 * rate (the GEMM's, and attention's) on packed panels (A in L1, B in L2) against the FMA peak that
 * a plain Vector API loop of independent FMA chains reaches ({@link FmaPeak}), each the best of alternating runs, so that
 * load on the machine slows both. Measured on an Intel Xeon (AVX-512, best of 8): 0.98-0.99 as
 * compiled now, 0.73-0.79 with the loop of before (A's range checks in it), and 0.55-0.58 in a harness
 * with accumulators spilled to the stack ({@code benchmarks/results/cpu/README.md}, "Why the kernels
 * are shaped so"). On a later Intel Xeon with two FMA ports (a KVM guest, December 2026) the same code
 * ran 0.84-0.93 (8 x 48 and 12 x 32, alone and after the conformance suite). The floor sits below those
 * and above the slow compilations.
 *
 * <p>The B panels are read at each of the 16 offsets (in floats) a 64-byte line holds, and the kernel's
 * best rate counts: a Java array's address is only 8-byte aligned, and on that second Xeon the 6 x 48
 * kernel attention took then ran 0.79-0.81 of the peak at its worst offset, every B vector split across two cache lines.
 * What this guards is the code C2 wrote, not where the heap put the array.
 *
 * <p>The runs go on until both are compiled and the ratio reaches the floor, for at most {@link
 * #DEADLINE}: C2 compiles them within a second or two, and a slow compilation stays slow for the
 * JVM's life. A fixed half-second warm-up made the test pass or fail by what ran before it in the
 * JVM: run alone, it measured the kernel still interpreted, at about 1 GFLOP/s.
 */
class MicroKernelPeakGuardTest {
    /** With 16 registers' worth of tile (6 x 2 vectors, 256 or 128 bits) the kernel measured 0.84-0.87. */
    private static final double FLOOR = Simd.BITS == 512 ? 0.80 : 0.75;
    private static final int KC = 512;
    /** B panels the kernel cycles through: 8 x 512 x 48 floats, 768 KiB, in L2. */
    private static final int PANELS = 8;
    /** Floats in a 64-byte cache line: the offsets at which the B panels are read. */
    private static final int LINE_FLOATS = 16;
    /**
     * Above this the peak loop is not yet compiled: no kernel outruns a loop that does nothing but
     * FMAs, while an interpreted one runs at a hundredth of its compiled rate.
     */
    private static final double CEILING = 1.2;
    /**
     * Below this the peak loop is not yet compiled either (the kernel and the loop both interpreted
     * can stand in any ratio): compiled, one 128-bit FMA a cycle at 1 GHz gives 8 GFLOP/s; the
     * interpreter ran it at 0.1-1.
     */
    private static final double COMPILED_PEAK_FLOPS = 5e9;
    /** How long the test measures before it gives up on the kernel reaching the floor. */
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    /** The GEMM's kernel and attention's. */
    static Stream<Arguments> kernels() {
        return Stream.of(Arguments.of("gemm", MicroKernel.instance()), Arguments.of("attention", MicroKernel.forAttention()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void microKernelRunsNearTheFmaPeak(String use, MicroKernel kernel) {
        assumeFalse("0".equals(System.getProperty(Simd.PROPERTY)), "this run forces the scalar kernels");
        int mr = kernel.mr(), nr = kernel.nr();
        Random random = new Random(7);
        float[] a = new float[mr * KC], b = new float[PANELS * KC * nr + LINE_FLOATS], tile = new float[mr * nr];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextFloat();
        }
        double kernelFlops = 2.0 * mr * nr * KC * PANELS;
        FmaPeak peak = new FmaPeak();
        double bestKernel = 0, bestPeak = 0, ratio;
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        do {
            for (int offset = 0; offset < LINE_FLOATS; offset++) {
                int first = offset;
                Runnable kernelRun = () -> {
                    for (int p = 0; p < PANELS; p++) {
                        kernel.multiply(KC, a, 0, b, first + p * KC * nr, tile);
                    }
                };
                bestKernel = Math.max(bestKernel, kernelFlops / secondsPerRun(kernelRun));
            }
            bestPeak = Math.max(bestPeak, peak.flopsPerRun() / secondsPerRun(peak::run));
            ratio = bestKernel / bestPeak;
        } while (!compiledAndWithinRange(bestPeak, ratio) && System.nanoTime() < deadline);
        assertTrue(compiledAndWithinRange(bestPeak, ratio), String.format(
                "%s micro-kernel %d x %d: %.1f GFLOP/s, FMA peak %.1f GFLOP/s (at least %.0f), ratio %.2f outside [%.2f, %.2f] after %s (%s)",
                use, mr, nr, bestKernel / 1e9, bestPeak / 1e9, COMPILED_PEAK_FLOPS / 1e9, ratio, FLOOR, CEILING, DEADLINE,
                CpuBackend.describe()));
    }

    /** Whether the peak loop runs compiled and the kernel within [{@link #FLOOR}, {@link #CEILING}] of it. */
    private static boolean compiledAndWithinRange(double peakFlops, double ratio) {
        return peakFlops >= COMPILED_PEAK_FLOPS && ratio >= FLOOR && ratio <= CEILING;
    }

    /** The mean time of one run over about 20 ms of runs. */
    private static double secondsPerRun(Runnable run) {
        long start = System.nanoTime();
        int runs = 0;
        while (System.nanoTime() - start < 20_000_000) {
            run.run();
            runs++;
        }
        return (System.nanoTime() - start) / 1e9 / runs;
    }
}
