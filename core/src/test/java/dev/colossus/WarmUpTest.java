package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.spi.HostStorage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The warm-up runs the ops, closes what it makes, and its thread ends by itself. */
class WarmUpTest {
    @Test
    void aRunDoesAtLeastOneRoundAndLeavesNoTensorOpen() {
        long live = HostStorage.liveBytes();
        assertTrue(WarmUp.run(Duration.ZERO) >= 1);
        assertEquals(live, HostStorage.liveBytes());
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
