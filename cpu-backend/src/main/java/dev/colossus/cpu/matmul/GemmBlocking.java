package dev.colossus.cpu.matmul;

import dev.colossus.cpu.settings.CpuSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Block sizes of the packed GEMM, from the cache sizes and the micro-kernel's tile.
 *
 * <p>The loop nest keeps one packed A panel (MR x KC) in L1 while it walks a packed B block
 * (KC x NC) that stays in L2: KC is 1024 ({@code -Dcolossus.cpu.kc}), so an A panel is 24-32 KiB
 * (chosen on Zen 5, whose L1 holds 48 KiB; not measured where it holds 32) and C is read and
 * written once per 1024 steps of k (1024 beat 512 at 4096, and 512 beat 256:
 * {@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so"); NC is the largest
 * multiple of NR whose B block fills half of L2; MB (rows of a thread's packed A block) makes that
 * block 4 MiB, which the last-level cache holds on any part with AVX-512 or AVX2, and B is packed
 * again for every MB rows, so a smaller block would pack it more often. L2 is
 * read from Linux's sysfs, else assumed to be 1 MiB; {@code -Dcolossus.cpu.l2Bytes=N} overrides it.
 *
 * @param kc depth of a packed panel
 * @param mb rows of a thread's packed A block
 * @param nc columns per packed B block
 */
record GemmBlocking(int kc, int mb, int nc, long l2Bytes, String l2Source) {
    private static final int KC = CpuSettings.current().kc();
    private static final long DEFAULT_L2 = 1 << 20;
    private static final long A_BLOCK_BYTES = 4L << 20;

    static GemmBlocking forKernel(MicroKernel kernel) {
        long l2 = DEFAULT_L2;
        String source = "default";
        long configured = CpuSettings.current().l2Bytes();
        if (configured > 0) {
            l2 = configured;
            source = "colossus.cpu.l2Bytes";
        } else {
            long read = sysfsL2();
            if (read > 0) {
                l2 = read;
                source = "sysfs";
            }
        }
        int nr = kernel.nr();
        int nc = (int) Math.max(nr, (l2 / 2) / (KC * 4L) / nr * nr);
        int mb = (int) (A_BLOCK_BYTES / (KC * 4L) / kernel.mr() * kernel.mr());
        return new GemmBlocking(KC, mb, nc, l2, source);
    }

    /** The L2 size of cpu0 from {@code /sys/devices/system/cpu/cpu0/cache}, or -1 where it is not reported. */
    private static long sysfsL2() {
        for (int index = 0; index < 8; index++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index);
            try {
                if (Files.readString(dir.resolve("level")).trim().equals("2")) {
                    String size = Files.readString(dir.resolve("size")).trim();
                    long scale = size.endsWith("K") ? 1024 : size.endsWith("M") ? 1 << 20 : 1;
                    return Long.parseLong(size.replaceAll("[KM]$", "")) * scale;
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "KC " + kc + ", MB " + mb + ", NC " + nc + " (L2 " + (l2Bytes >> 10) + " KiB, " + l2Source + ")";
    }
}
