package dev.colossus;

import dev.colossus.spi.Availability;
import dev.colossus.spi.Backend;
import dev.colossus.spi.BackendProvider;
import dev.colossus.spi.HostStorage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Finds the backends on the module or class path and chooses one per device type.
 *
 * <p>Providers are found with {@link ServiceLoader} and probed once. For each device type the
 * available provider of highest priority is chosen, unless {@code -Dcolossus.backend=NAME} (or the
 * environment variable {@code COLOSSUS_BACKEND}) names another. {@link #using} runs code with a
 * backend of the caller's choice, which is how tests compare backends in one process.
 * {@link #describe()} says what was found and why each choice was made.
 */
public final class Backends {
    /** The system property that names the backend to choose: {@code -Dcolossus.backend=NAME}. */
    public static final String PROPERTY = "colossus.backend";
    /** The environment variable that names it where the property is not set. */
    public static final String ENVIRONMENT = "COLOSSUS_BACKEND";

    private static final System.Logger LOG = System.getLogger("dev.colossus");
    private static final ScopedValue<Backend> SCOPED = ScopedValue.newInstance();

    private record Found(BackendProvider provider, Availability availability) {
    }

    /** The backend chosen for a device type while {@link #requested()} was {@code requested}. */
    private record Choice(String requested, Backend backend) {
    }

    /** Holder idiom: the providers are loaded and probed on first use. */
    private static final class Registry {
        static final List<Found> FOUND = discover();
        static final Map<String, Backend> CREATED = new ConcurrentHashMap<>();
        static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();
        /**
         * The last choice per device type, made again only when the request changes: every op asks,
         * and choosing by streams over the providers cost about half a microsecond an op.
         */
        static final Map<String, Choice> CHOSEN = new ConcurrentHashMap<>();
    }

    private Backends() {
    }

    private static List<Found> discover() {
        List<Found> found = new ArrayList<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            Availability availability;
            try {
                availability = provider.probe();
            } catch (RuntimeException | LinkageError e) {
                availability = Availability.unavailable("probe failed: " + e);
            }
            found.add(new Found(provider, availability));
        }
        found.sort(Comparator.comparingInt((Found f) -> f.provider().priority()).reversed());
        return List.copyOf(found);
    }

    /**
     * The backend named {@code name}, created on first use; throws with the probe's reason if unavailable.
     *
     * @param name a provider's name, as {@link #names} lists them
     * @return the backend
     */
    public static Backend get(String name) {
        Backend created = Registry.CREATED.get(name);
        return created != null ? created : create(name);
    }

    private static synchronized Backend create(String name) {
        Backend created = Registry.CREATED.get(name);
        if (created != null) {
            return created;
        }
        Found found = Registry.FOUND.stream().filter(f -> f.provider().name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("backend '" + name + "' not found; found: " + names()));
        if (!found.availability().available()) {
            throw new IllegalStateException("backend '" + name + "' is " + found.availability());
        }
        Backend backend = found.provider().create();
        Registry.CREATED.put(name, backend);
        return backend;
    }

    /**
     * The names of the backends found, available or not, highest priority first.
     *
     * @return the names
     */
    public static List<String> names() {
        return Registry.FOUND.stream().map(f -> f.provider().name()).toList();
    }

    /**
     * The names of the backends that can run here, highest priority first.
     *
     * @return the names
     */
    public static List<String> availableNames() {
        return Registry.FOUND.stream().filter(f -> f.availability().available()).map(f -> f.provider().name()).toList();
    }

    /**
     * The backend that runs ops on {@code device}: the one {@link #using} set, else the chosen one.
     *
     * @param device where the ops' operands live
     * @return the backend
     * @throws IllegalArgumentException if the backend for the device's type runs on another device of
     *         that type ({@code cuda:1} where the CUDA backend has {@code cuda:0}): never a silent fallback
     * @throws IllegalStateException    if no backend for the device's type is available
     */
    public static Backend forDevice(Device device) {
        if (SCOPED.isBound() && SCOPED.get().device().equals(device)) {
            return SCOPED.get();
        }
        Backend backend = chosen(device.type());
        if (!backend.device().equals(device)) {
            throw new IllegalArgumentException(device + ": the '" + backend.name() + "' backend runs on " + backend.device()
                    + " only; there is no backend for " + device);
        }
        return backend;
    }

    /**
     * Runs {@code body} with {@code backend} computing every op on its device.
     *
     * @param <T> what body returns
     * @param backend the backend
     * @param body the code run
     * @return what body returned
     */
    public static <T> T using(Backend backend, Supplier<T> body) {
        return ScopedValue.where(SCOPED, backend).call(body::get);
    }

    /**
     * Runs {@code body} with {@code backend} computing every op on its device.
     *
     * @param backend the backend
     * @param body the code run
     */
    public static void using(Backend backend, Runnable body) {
        ScopedValue.where(SCOPED, backend).run(body);
    }

    private static Backend chosen(String deviceType) {
        String requested = requested();
        Choice last = Registry.CHOSEN.get(deviceType);
        if (last != null && Objects.equals(last.requested(), requested)) {
            return last.backend();
        }
        String name = choose(deviceType, requested);
        if (Registry.ANNOUNCED.add(deviceType + "=" + name)) {
            LOG.log(Level.DEBUG, "Colossus runs " + deviceType + " ops on the '" + name + "' backend");
        }
        Backend backend = get(name);
        Registry.CHOSEN.put(deviceType, new Choice(requested, backend));
        return backend;
    }

    private static String choose(String deviceType, String requested) {
        if (requested != null) {
            Found named = Registry.FOUND.stream().filter(f -> f.provider().name().equals(requested)).findFirst()
                    .orElseThrow(() -> new IllegalStateException(PROPERTY + "=" + requested
                            + " names no backend; found: " + names()));
            if (named.provider().deviceType().equals(deviceType)) {
                if (!named.availability().available()) {
                    throw new IllegalStateException(PROPERTY + "=" + requested + " is " + named.availability()
                            + "; available: " + availableNames());
                }
                return requested;
            }
        }
        List<Found> ofType = Registry.FOUND.stream().filter(f -> f.provider().deviceType().equals(deviceType)).toList();
        if (ofType.isEmpty()) {
            throw new IllegalStateException("no backend for " + deviceType + " devices was found (found: " + names()
                    + "); add one to the class or module path" + ("cuda".equals(deviceType) ? ": colossus-cuda" : ""));
        }
        return ofType.stream().filter(f -> f.availability().available()).map(f -> f.provider().name()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no backend available for " + deviceType + " devices: "
                        + String.join("; ", ofType.stream().map(f -> f.provider().name() + " is " + f.availability()).toList())));
    }

    private static String requested() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return property.trim();
        }
        String env = System.getenv(ENVIRONMENT);
        return env == null || env.isBlank() ? null : env.trim();
    }

    /**
     * Gives the memory every backend keeps for reuse back (freed blocks in caches: the host's large
     * blocks and the C heap's free pages, a GPU's small blocks and its memory pool's free memory), as
     * PyTorch's {@code torch.cuda.empty_cache()} does. Memory in live tensors is untouched; the caches
     * fill again as ops run.
     */
    public static void releaseCachedMemory() {
        HostStorage.releaseCachedMemory();
        Registry.CREATED.values().forEach(Backend::releaseCachedMemory);
    }

    /**
     * The memory Colossus's tensors hold: host memory first, then each device whose backend has been
     * created (a backend is not created only to report on it).
     *
     * @return one reading a device
     */
    public static List<MemoryStats> memoryStats() {
        List<MemoryStats> stats = new ArrayList<>();
        stats.add(HostStorage.memoryStats());
        Registry.CREATED.values().stream().filter(b -> !b.device().equals(Device.CPU))
                .sorted(Comparator.comparing(b -> b.device().toString()))
                .forEach(b -> b.memoryStats().ifPresent(stats::add));
        return List.copyOf(stats);
    }

    /**
     * Colossus's release, as its build wrote it into core's jar.
     *
     * @return the version, such as {@code 0.1.0}
     */
    public static String version() {
        return Version.VALUE;
    }

    /** Holder idiom: the version resource is read on first use. */
    private static final class Version {
        static final String VALUE = read();

        private static String read() {
            try (InputStream in = Backends.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new IllegalStateException("core's jar has no dev/colossus/version.properties: a broken build");
                }
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version");
            } catch (IOException e) {
                throw new UncheckedIOException("reading dev/colossus/version.properties", e);
            }
        }
    }

    /**
     * The version, then a table of every backend found: priority, device type, availability and reason,
     * and which one each device type uses and why; then every setting, its value and where the value
     * came from; then the memory each device holds.
     *
     * @return the table, one line a backend
     */
    public static String describe() {
        StringBuilder sb = new StringBuilder("Colossus " + version() + "\nBackends (highest priority first):\n");
        for (Found f : Registry.FOUND) {
            sb.append(String.format("  %-10s %-5s priority %4d  %s%n", f.provider().name(), f.provider().deviceType(),
                    f.provider().priority(), f.availability()));
        }
        String requested = requested();
        Registry.FOUND.stream().map(f -> f.provider().deviceType()).distinct().forEach(type -> {
            sb.append("  ").append(type).append(" ops run on: ");
            try {
                String name = choose(type, requested);
                sb.append(name).append(requested != null && requested.equals(name)
                        ? " (requested by " + PROPERTY + "/" + ENVIRONMENT + ")"
                        : " (highest priority available)");
            } catch (IllegalStateException e) {
                sb.append(requested != null ? "none: " + e.getMessage() : "none available");
            }
            sb.append('\n');
        });
        sb.append("Settings:\n");
        HostStorage.settings().forEach(setting -> sb.append("  ").append(setting).append('\n'));
        for (Found f : Registry.FOUND) {
            try {
                f.provider().settings().forEach(setting -> sb.append("  ").append(setting).append('\n'));
            } catch (RuntimeException e) {
                sb.append("  ").append(f.provider().name()).append(": ").append(e.getMessage()).append('\n');
            }
        }
        sb.append("Memory:\n");
        memoryStats().forEach(m -> sb.append("  ").append(m).append('\n'));
        return sb.toString();
    }
}
