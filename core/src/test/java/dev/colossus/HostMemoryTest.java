package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.spi.HostStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** Host memory a program forgets to close is collected in time, and a failed allocation says what to do. */
@Isolated
class HostMemoryTest {
    private static final long MIB = 1L << 20;

    /**
     * 100 tensors of 64 MiB made and dropped without close(): 6.4 GB were they kept. The live bytes pass
     * the collection threshold (256 MiB) every few tensors, the collector runs, and the cleaners free
     * the dropped ones, so the peak stays near the threshold.
     */
    @Test
    void tensorsNeverClosedAreFreedBeforeTheyFillTheMachine() {
        long base = HostStorage.liveBytes();
        long peak = 0;
        for (int i = 0; i < 100; i++) {
            Tensor.empty("test", DType.F32, Shape.of(16 * MIB));
            peak = Math.max(peak, HostStorage.liveBytes() - base);
        }
        assertTrue(peak < 1024 * MIB, "peak live bytes " + peak);
    }

    @Test
    void anAllocationTheMachineCannotServeThrowsOutOfMemoryNamingTheSizeAndTheRemedy() {
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> Tensor.zeros(DType.F32, 1L << 45));
        assertTrue(e.getMessage().startsWith("host: malloc of " + ((4L << 45) + HostStorage.ALIGNMENT) + " bytes failed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Close tensors you no longer need"), e.getMessage());
    }

    @Test
    void releasingCachedMemoryEmptiesTheBlockCache() {
        Tensor.zeros(DType.F32, 2 * MIB).close();
        assertTrue(HostStorage.cachedBytes() >= 8 * MIB);
        Backends.releaseCachedMemory();
        assertEquals(0, HostStorage.cachedBytes());
    }
}
