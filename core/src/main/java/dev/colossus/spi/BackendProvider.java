package dev.colossus.spi;

import java.util.List;

/**
 * The cheap, discoverable face of a backend, found with {@link java.util.ServiceLoader}.
 *
 * <p>A provider must be cheap to construct and to probe: {@link #probe()} never throws and loads no
 * native code beyond what it needs to answer. The backend itself is built only by {@link #create()},
 * and only when chosen.
 */
public interface BackendProvider {
    /**
     * A short, unique name: {@code "cpu"}, {@code "cuda"}, {@code "reference"}.
     *
     * @return the name
     */
    String name();

    /**
     * The kind of device the backend serves: {@code "cpu"} (host memory) or {@code "cuda"}.
     *
     * @return {@code "cpu"} or {@code "cuda"}
     */
    String deviceType();

    /**
     * Higher wins among the available providers of one device type.
     *
     * @return the priority
     */
    int priority();

    /**
     * Whether the backend can run in this process, and why; never throws.
     *
     * @return what the probe found
     */
    Availability probe();

    /**
     * Builds the backend; called at most once per process, and only when {@link #probe()} said available.
     *
     * @return the backend
     */
    Backend create();

    /**
     * The backend's settings as read (each from a system property, else the environment, else its
     * default), for {@link dev.colossus.Backends#describe()}; cheap, like the other methods here.
     *
     * @return the settings, none by default
     */
    default List<Setting> settings() {
        return List.of();
    }
}
