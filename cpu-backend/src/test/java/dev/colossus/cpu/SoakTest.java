package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.spi.HostStorage;
import dev.colossus.testkit.SuiteLength;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A million small ops and a thousand large ones, closed and forgotten: afterwards the host memory
 * Colossus holds is back where it started (its own counters, exactly, once the collector has run the
 * cleaners of what was forgotten), and so is the process's resident memory, within a bound, once the
 * caches are released. It runs in a JVM of its own whose heap is fixed and touched at start (the
 * surefire execution "soak"), so that resident memory grows only where native memory does.
 * {@code -Dcolossus.test.long=true} runs ten times as many.
 */
@Tag("soak")
@Isolated
class SoakTest {
    private static final long MIB = 1L << 20;

    @Test
    void smallAndLargeOpsClosedAndForgottenLeaveNothingBehind() throws Exception {
        settle(Long.MAX_VALUE);
        long liveBytes = HostStorage.liveBytes(), liveBlocks = HostStorage.liveAllocations();
        long residentBefore = residentBytes();

        int small = SuiteLength.of(1_000_000, 10_000_000), large = SuiteLength.of(1_000, 10_000);
        try (Tensor x = Tensor.rand(1, DType.F32, 16); Tensor big = Tensor.rand(2, DType.BF16, 2048, 2048)) {
            for (int i = 0; i < small; i++) {
                if (i % 2 == 0) {
                    Ops.add(x, 1).close();
                } else {
                    Ops.mul(x, x);
                }
            }
            for (int i = 0; i < large; i++) {
                try (Scope scope = Scope.open()) {
                    Tensor h = Ops.gelu(Ops.add(big, big));
                    if (i % 2 == 0) {
                        scope.keep(Ops.sum(h, 1));
                    }
                }
                if (i % 3 == 0) {
                    Ops.rmsNorm(big, new long[] {2048}, null, 1e-6);
                }
            }
        }

        settle(liveBlocks);
        // Other tests' garbage, collected meanwhile, can only lower the counts.
        assertTrue(HostStorage.liveAllocations() <= liveBlocks, HostStorage.liveAllocations() + " host blocks live, " + liveBlocks
                + " before");
        assertTrue(HostStorage.liveBytes() <= liveBytes, HostStorage.liveBytes() + " host bytes live, " + liveBytes + " before");
        Backends.releaseCachedMemory();
        assertEquals(0, HostStorage.cachedBytes());
        long grown = residentBytes() - residentBefore;
        assertTrue(grown < 160 * MIB, "resident memory grew by " + grown / MIB + " MiB");
    }

    /**
     * Runs the collector until the cleaners have freed the forgotten tensors: until at most {@code target}
     * blocks are live and the count has stopped changing, or ten seconds have passed.
     */
    private static void settle(long target) throws InterruptedException {
        long last = -1;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((HostStorage.liveAllocations() > target || HostStorage.liveAllocations() != last) && System.nanoTime() < deadline) {
            last = HostStorage.liveAllocations();
            System.gc();
            Thread.sleep(20);
        }
    }

    /** VmRSS from /proc/self/status, in bytes. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
