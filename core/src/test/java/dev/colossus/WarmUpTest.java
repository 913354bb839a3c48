package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.testkit.RecordingBackend;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The warm-up runs the ops, closes what it makes, and its thread ends by itself. */
class WarmUpTest {
    /**
     * Counted through a backend of its own: the process's live bytes also move when a collection
     * cleans a tensor another test forgot, which made a count of them fail now and then.
     */
    @Test
    void aRunDoesAtLeastOneRoundAndLeavesNoTensorOpen() {
        RecordingBackend cpu = new RecordingBackend(Backends.forDevice(Device.CPU));
        assertTrue(Backends.using(cpu, () -> WarmUp.run(Duration.ZERO)) >= 1);
        assertTrue(cpu.allocations() > 0);
        assertEquals(0, cpu.liveStorages(), "of " + cpu.allocations());
    }

    @Test
    void theBackgroundThreadIsADaemonAndEnds() throws InterruptedException {
        Thread thread = WarmUp.inBackground();
        assertTrue(thread.isDaemon());
        assertEquals("colossus-warm-up", thread.getName());
        thread.join(Duration.ofSeconds(60));
        assertFalse(thread.isAlive());
    }
}
