package dev.colossus.cpu;

import dev.colossus.cpu.settings.CpuSettings;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.spi.Availability;
import dev.colossus.spi.Backend;
import dev.colossus.spi.BackendProvider;
import dev.colossus.spi.Setting;
import java.util.List;

/** Provides the {@link CpuBackend}; preferred over the reference backend for host tensors. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String deviceType() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        if (CpuSettings.problem() != null) {
            return Availability.unavailable(CpuSettings.problem());
        }
        if (Simd.PROBLEM != null) {
            return Availability.unavailable(Simd.PROBLEM);
        }
        return Availability.available(CpuBackend.describe());
    }

    @Override
    public Backend create() {
        return new CpuBackend();
    }

    @Override
    public List<Setting> settings() {
        return CpuSettings.current().settings();
    }
}
