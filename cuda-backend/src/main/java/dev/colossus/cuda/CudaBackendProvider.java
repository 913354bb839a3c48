package dev.colossus.cuda;

import dev.colossus.spi.Availability;
import dev.colossus.spi.Backend;
import dev.colossus.spi.BackendProvider;
import dev.colossus.spi.Setting;
import java.util.List;

/**
 * The CUDA backend's provider. Its probe reads the driver through the FFM API ({@code libcuda.so.1}:
 * version and device count) and looks for cuBLAS on disk, loading nothing else, and says exactly what
 * it found: no driver, no device, no cuBLAS, or all three. When it is unavailable, CPU ops are
 * unaffected and tensors asked for on {@code cuda} devices get an exception that quotes this reason.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** Made by {@link java.util.ServiceLoader}. */
    public CudaBackendProvider() {
    }

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
        if (!System.getProperty("os.name", "").startsWith("Linux") || !"amd64".equals(System.getProperty("os.arch"))) {
            return Availability.unavailable("only Linux on x86-64 is supported, this is "
                    + System.getProperty("os.name") + " on " + System.getProperty("os.arch"));
        }
        if (CudaOptions.problem() != null) {
            return Availability.unavailable(CudaOptions.problem());
        }
        try {
            CudaDriver driver = CudaDriver.read();
            if (driver.devices() == 0) {
                return Availability.unavailable("driver " + driver.versionText() + " sees no CUDA device");
            }
            CublasLibrary.Found cublas = CublasLibrary.find(driver.cudaVersion());
            if (cublas == null) {
                return Availability.unavailable("driver " + driver.versionText() + " with " + driver.devices()
                        + " device(s), but no libcublas.so." + (driver.cudaVersion() >= 13000 ? "13 or .so.12" : "12")
                        + " was found; install cuBLAS (the CUDA toolkit, or pip's nvidia-cublas) or set -D"
                        + CublasLibrary.PROPERTY + " / " + CublasLibrary.ENVIRONMENT);
            }
            return Availability.available("driver " + driver.versionText() + ", " + driver.devices() + " device(s), "
                    + cublas.library());
        } catch (IllegalStateException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("probe failed: " + e);
        }
    }

    @Override
    public List<Setting> settings() {
        return CudaOptions.routing().settings();
    }

    /** The backend for device 0. */
    @Override
    public Backend create() {
        CudaDriver driver = CudaDriver.read();
        try {
            return new CudaBackend(0, CublasLibrary.find(driver.cudaVersion()));
        } catch (LinkageError e) {
            throw new IllegalStateException("cuda backend: JCuda's native driver binding did not link (" + e + ")", e);
        }
    }
}
