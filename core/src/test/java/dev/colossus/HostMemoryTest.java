package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.spi.HostStorage;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * Ten steps that each hold 320 MiB (more than the 256 MiB floor) and then close it all, as a model's
     * forward pass in one scope does: the first collection finds it all reachable, the threshold stays
     * above the steps' peak, and the later steps collect nothing (one collection a step before).
     */
    @Test
    void stepsThatHoldMoreThanTheFloorOnPurposeAreCollectedOnceNotEveryStep() {
        long before = HostStorage.collections();
        for (int step = 0; step < 10; step++) {
            List<Tensor> held = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                held.add(Tensor.empty("test", DType.F32, Shape.of(16 * MIB)));
            }
            held.forEach(Tensor::close);
        }
        long collections = HostStorage.collections() - before;
        assertTrue(collections <= 2, collections + " collections in 10 steps");
    }

    @Test
    void anAllocationTheMachineCannotServeThrowsOutOfMemoryNamingTheSizeAndTheRemedy() {
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> Tensor.zeros(DType.F32, 1L << 45));
        assertTrue(e.getMessage().startsWith("host: malloc of " + ((4L << 45) + HostStorage.ALIGNMENT) + " bytes failed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Close tensors you no longer need"), e.getMessage());
    }

    /**
     * A step that holds 640 MiB (past the cache's 256 MiB floor) and frees it gets every block back in
     * the next step: the cache keeps what the live bytes are short of their high-water mark. Then 300
     * MiB of other sizes push out the oldest blocks, so that the cache holds no more than the mark
     * leaves room for.
     */
    @Test
    void aStepThatHoldsMoreThanTheFloorGetsItsBlocksBackAndTheCacheStaysWithinTheHighWaterMark() {
        Backends.releaseCachedMemory();
        long base = HostStorage.liveBytes();
        List<Long> addresses = new ArrayList<>();
        List<HostStorage> step = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            step.add(HostStorage.allocate(128 * MIB + i * 4096));
            addresses.add(step.get(i).segment().address());
        }
        step.forEach(HostStorage::release);
        assertTrue(HostStorage.cachedBytes() >= 640 * MIB, HostStorage.cachedBytes() + " bytes cached");
        step.clear();
        for (int i = 0; i < 5; i++) {
            step.add(HostStorage.allocate(128 * MIB + i * 4096));
            assertTrue(addresses.contains(step.get(i).segment().address()), "block " + i + " was not the cached one");
        }
        step.forEach(HostStorage::release);
        List<HostStorage> others = List.of(HostStorage.allocate(150 * MIB), HostStorage.allocate(150 * MIB));
        long live = HostStorage.liveBytes() - base, cached = HostStorage.cachedBytes();
        assertTrue(cached <= 640 * MIB + 5 * 4096 + 5 * HostStorage.ALIGNMENT - live,
                cached + " bytes cached beside " + live + " live, past the 640 MiB mark");
        others.forEach(HostStorage::release);
        Backends.releaseCachedMemory();
    }

    @Test
    void memoryStatsReadLiveCachedAndPeakBytes() {
        Backends.releaseCachedMemory();
        MemoryStats before = Backends.memoryStats().getFirst();
        assertEquals(Device.CPU, before.device());
        Tensor held = Tensor.zeros(DType.F32, 16 * MIB);
        MemoryStats holding = Backends.memoryStats().getFirst();
        assertTrue(holding.liveBytes() >= before.liveBytes() + 64 * MIB, holding + " after " + before);
        assertTrue(holding.peakBytes() >= holding.liveBytes(), holding.toString());
        held.close();
        MemoryStats freed = Backends.memoryStats().getFirst();
        assertTrue(freed.cachedBytes() >= 64 * MIB, freed.toString());
        assertTrue(freed.peakBytes() >= before.liveBytes() + 64 * MIB, freed.toString());
        Backends.releaseCachedMemory();
        MemoryStats released = Backends.memoryStats().getFirst();
        assertEquals(0, released.cachedBytes());
        assertTrue(released.peakBytes() < before.liveBytes() + 64 * MIB, released.toString());
        assertTrue(Backends.describe().contains("Memory:\n  cpu: "), Backends.describe());
    }

    @Test
    void releasingCachedMemoryEmptiesTheBlockCache() {
        Tensor.zeros(DType.F32, 2 * MIB).close();
        assertTrue(HostStorage.cachedBytes() >= 8 * MIB);
        Backends.releaseCachedMemory();
        assertEquals(0, HostStorage.cachedBytes());
    }
}
