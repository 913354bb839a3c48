package dev.colossus.cuda;

import dev.colossus.spi.Availability;
import dev.colossus.spi.Backend;
import dev.colossus.spi.BackendProvider;

/**
 * The CUDA backend's provider. This version of Colossus has no CUDA kernels yet, so the provider is
 * never available; its probe still finds the driver and its devices, so that {@code Backends.describe()}
 * says exactly what is on the machine: no driver, no device, or a driver and devices waiting for the
 * backend.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String deviceType() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 200;
    }

    @Override
    public Availability probe() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Availability.unavailable("only Linux is supported, this is " + System.getProperty("os.name"));
        }
        try {
            CudaDriver driver = CudaDriver.read();
            if (driver.devices() == 0) {
                return Availability.unavailable("driver " + driver.versionText() + " sees no CUDA device");
            }
            return Availability.unavailable("driver " + driver.versionText() + " with " + driver.devices()
                    + " device(s), but this version of Colossus has no CUDA kernels");
        } catch (IllegalStateException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("probe failed: " + e);
        }
    }

    /** Never called: {@link #probe()} never reports the backend available. */
    @Override
    public Backend create() {
        throw new IllegalStateException("cuda backend is " + probe());
    }
}
