package dev.colossus.reference;

import dev.colossus.spi.Availability;
import dev.colossus.spi.Backend;
import dev.colossus.spi.BackendProvider;

/** Provides the {@link ReferenceBackend}: always available, lowest priority. */
public final class ReferenceBackendProvider implements BackendProvider {
    /** Made by {@link java.util.ServiceLoader}. */
    public ReferenceBackendProvider() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String deviceType() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        return Availability.available("scalar loops, double accumulation: the definition of every op");
    }

    @Override
    public Backend create() {
        return new ReferenceBackend();
    }
}
