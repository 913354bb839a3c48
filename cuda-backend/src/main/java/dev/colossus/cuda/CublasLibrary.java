package dev.colossus.cuda;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Where cuBLAS is: the first {@code libcublas.so.13} or {@code libcublas.so.12} found in, in order,
 * <ol>
 *   <li>{@code -Dcolossus.cublas.path} or {@code COLOSSUS_CUBLAS} (the library file or its folder);
 *   <li>{@code CUDA_HOME} and {@code CUDA_PATH} ({@code lib64}, {@code lib}, {@code targets/x86_64-linux/lib});
 *   <li>the loader's paths ({@code LD_LIBRARY_PATH}, then the system's library folders and {@code /usr/local/cuda});
 *   <li>the NVIDIA wheels in Python's site-packages: {@code nvidia/cu13/lib} (CUDA 13 wheels) and
 *       {@code nvidia/cublas/lib} (CUDA 12 wheels), for every site-packages under {@code VIRTUAL_ENV},
 *       {@code CONDA_PREFIX}, {@code PYTHONPATH}, the user's {@code ~/.local} and the system's Pythons.
 * </ol>
 * In each folder the CUDA 13 library is taken only when the driver runs CUDA 13 or newer. cuBLAS's
 * symbols carry ELF versions, so one major cannot stand in for the other: the binding looks functions
 * up by plain name, which both majors export with the same signatures.
 */
final class CublasLibrary {
    static final String PROPERTY = "colossus.cublas.path";
    static final String ENVIRONMENT = "COLOSSUS_CUBLAS";

    private CublasLibrary() {
    }

    /** A cuBLAS found: the file, its major version, and its {@code libcublasLt} companion if beside it. */
    record Found(Path library, int major, Path lt) {
    }

    /** The folders searched, in order, from these properties and environment variables. */
    static List<Path> folders(Function<String, String> property, Map<String, String> env) {
        Set<Path> folders = new LinkedHashSet<>();
        for (String explicit : new String[] {property.apply(PROPERTY), env.get(ENVIRONMENT)}) {
            if (explicit != null && !explicit.isBlank()) {
                Path p = Path.of(explicit.trim());
                folders.add(Files.isDirectory(p) || !p.getFileName().toString().startsWith("libcublas") ? p : p.getParent());
            }
        }
        for (String home : new String[] {env.get("CUDA_HOME"), env.get("CUDA_PATH")}) {
            if (home != null && !home.isBlank()) {
                Path root = Path.of(home.trim());
                folders.add(root.resolve("lib64"));
                folders.add(root.resolve("lib"));
                folders.add(root.resolve("targets/x86_64-linux/lib"));
            }
        }
        split(env.get("LD_LIBRARY_PATH")).forEach(folders::add);
        for (String system : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib",
                "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"}) {
            folders.add(Path.of(system));
        }
        for (Path site : sitePackages(env)) {
            folders.add(site.resolve("nvidia/cu13/lib"));
            folders.add(site.resolve("nvidia/cublas/lib"));
        }
        return List.copyOf(folders);
    }

    /**
     * The first cuBLAS in {@code folders} that this driver can run: {@code .so.13} needs a CUDA 13
     * driver ({@code driverVersion >= 13000}); {@code .so.12} runs on any CUDA 12 or 13 driver.
     */
    static Found find(List<Path> folders, int driverVersion) {
        for (Path folder : folders) {
            for (int major : driverVersion >= 13000 ? new int[] {13, 12} : new int[] {12}) {
                Path library = folder.resolve("libcublas.so." + major);
                if (Files.isRegularFile(library)) {
                    Path lt = folder.resolve("libcublasLt.so." + major);
                    return new Found(library, major, Files.isRegularFile(lt) ? lt : null);
                }
            }
        }
        return null;
    }

    /** The search of this process: its system properties and environment. */
    static Found find(int driverVersion) {
        return find(folders(System::getProperty, System.getenv()), driverVersion);
    }

    private static List<Path> split(String pathList) {
        List<Path> paths = new ArrayList<>();
        if (pathList != null) {
            for (String p : pathList.split(":")) {
                if (!p.isBlank()) {
                    paths.add(Path.of(p.trim()));
                }
            }
        }
        return paths;
    }

    /** Python site-packages folders that exist, most specific first. */
    private static List<Path> sitePackages(Map<String, String> env) {
        List<Path> sites = new ArrayList<>(split(env.get("PYTHONPATH")));
        List<Path> prefixes = new ArrayList<>();
        for (String variable : new String[] {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
            String prefix = env.get(variable);
            if (prefix != null && !prefix.isBlank()) {
                prefixes.add(Path.of(prefix.trim()));
            }
        }
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) {
            prefixes.add(Path.of(home, ".local"));
        }
        prefixes.add(Path.of("/usr/local"));
        prefixes.add(Path.of("/usr"));
        prefixes.add(Path.of("/opt/conda"));
        for (Path prefix : prefixes) {
            Path lib = prefix.resolve("lib");
            if (!Files.isDirectory(lib)) {
                continue;
            }
            try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python3*")) {
                for (Path python : pythons) {
                    sites.add(python.resolve("site-packages"));
                    sites.add(python.resolve("dist-packages"));
                }
            } catch (IOException unreadable) {
                // a folder we cannot list holds nothing we can load
            }
        }
        sites.removeIf(site -> !Files.isDirectory(site));
        return sites;
    }
}
