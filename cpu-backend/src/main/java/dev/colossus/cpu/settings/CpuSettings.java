package dev.colossus.cpu.settings;

import dev.colossus.spi.Setting;
import dev.colossus.spi.SettingsReader;
import java.util.List;

/**
 * The CPU backend's settings, read once when the backend is first probed, each from its system
 * property, else its environment variable ({@code COLOSSUS_CPU_THREADS}, ...), else its default. A
 * value that does not parse makes the backend unavailable, the reason naming the setting
 * ({@link #problem()}); the other settings then take their defaults.
 *
 * @param threads {@code colossus.cpu.threads}: the threads that run an op, the caller's included (default: the cores)
 * @param vectorBits {@code colossus.cpu.vectorBits}: 0 (scalar kernels), 128, 256 or 512, or
 *        {@link #PREFERRED_WIDTH} when unset
 * @param kc {@code colossus.cpu.kc}: the depth of the GEMM's packed panels (default 1024)
 * @param l2Bytes {@code colossus.cpu.l2Bytes}: the L2 size the GEMM's blocks are sized for, or 0
 *        to read it from Linux's sysfs (else 1 MiB)
 * @param packedWeightBytes {@code colossus.cpu.packedWeightBytes}: the most memory that forms made once
 *        from constant weights may hold together (matmul panels of F32 weights on the heap, column
 *        blocks of long BF16 rows off it), 0 for none (default: a quarter of the heap)
 * @param settings the settings as read, for {@code Backends.describe()}
 */
public record CpuSettings(int threads, int vectorBits, int kc, long l2Bytes, long packedWeightBytes, List<Setting> settings) {
    /** {@link #vectorBits} when it is not set: the Vector API's preferred width for this CPU. */
    public static final int PREFERRED_WIDTH = -1;

    /** Holder idiom: read on first use, kept for the life of the process. */
    private static final class Current {
        static final SettingsReader.AtStart<CpuSettings> READ = SettingsReader.readAtStart(CpuSettings::read);
    }

    /**
     * The settings in force in this process.
     *
     * @return the settings
     */
    public static CpuSettings current() {
        return Current.READ.settings();
    }

    /**
     * Why a setting's value was refused, naming it, or null when every value parsed.
     *
     * @return the reason, or null
     */
    public static String problem() {
        return Current.READ.problem();
    }

    /**
     * The settings from {@code reader}'s sources.
     *
     * @param reader the sources
     * @return the settings
     * @throws IllegalArgumentException naming the first setting whose value does not parse
     */
    public static CpuSettings read(SettingsReader reader) {
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = reader.read("colossus.cpu.threads", cores, "the cores (" + cores + ")",
                "threads that run an op, the caller's included", text -> (int) SettingsReader.wholeNumber(text, 1, 4096));
        int vectorBits = reader.read("colossus.cpu.vectorBits", PREFERRED_WIDTH, "the Vector API's preferred width",
                "SIMD width of the kernels: 0 (scalar), 128, 256 or 512", text -> {
                    int bits = (int) SettingsReader.wholeNumber(text, 0, 512);
                    if (bits != 0 && bits != 128 && bits != 256 && bits != 512) {
                        throw new IllegalArgumentException("expected one of 0, 128, 256, 512");
                    }
                    return bits;
                });
        int kc = reader.integer("colossus.cpu.kc", 1024, 8, 1 << 16, "depth of the GEMM's packed panels");
        long l2 = reader.read("colossus.cpu.l2Bytes", 0L, "read from sysfs, else 1 MiB",
                "the L2 size the GEMM's blocks fill half of", text -> SettingsReader.wholeNumber(text, 1 << 16, 1L << 40));
        long heapQuarter = Runtime.getRuntime().maxMemory() / 4;
        long packed = reader.read("colossus.cpu.packedWeightBytes", heapQuarter, "a quarter of the heap (" + heapQuarter + ")",
                "memory for forms made once from constant weights: F32 GEMM panels, BF16 column blocks", text -> SettingsReader.wholeNumber(text, 0, Long.MAX_VALUE));
        return new CpuSettings(threads, vectorBits, kc, l2, packed, reader.settings());
    }
}
