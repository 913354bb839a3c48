package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.colossus.Backends;
import dev.colossus.Device;
import dev.colossus.spi.Availability;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import org.junit.jupiter.api.Test;

/** The provider is found, never throws, and where there is no driver says so and refuses cuda tensors clearly. */
class CudaBackendProviderTest {
    /** Whether the dynamic loader finds the driver library, wherever it is installed. */
    private static boolean driverInstalled() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
            return true;
        } catch (IllegalArgumentException notFound) {
            return false;
        }
    }

    @Test
    void probeNeverThrowsAndAlwaysGivesAReason() {
        Availability availability = new CudaBackendProvider().probe();
        assertFalse(availability.reason().isBlank());
        assertTrue(Backends.names().contains("cuda"));
    }

    @Test
    void withoutADriverItSaysSoAndCudaTensorsAreRefusedClearly() {
        assumeFalse(driverInstalled(), "an NVIDIA driver is installed here");
        Availability availability = new CudaBackendProvider().probe();
        assertFalse(availability.available());
        assertEquals("libcuda.so.1 not found (no NVIDIA driver on the loader path)", availability.reason());
        assertTrue(Backends.describe().contains("cuda       cuda  priority  200  unavailable: "), Backends.describe());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.forDevice(Device.cuda(0)));
        assertTrue(e.getMessage().startsWith("no backend available for cuda devices"), e.getMessage());
    }
}
