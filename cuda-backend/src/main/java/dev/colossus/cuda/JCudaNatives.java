package dev.colossus.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import jcuda.JCudaVersion;
import jcuda.LibUtils;

/**
 * JCuda's driver binding ({@code libJCudaDriver-<version>-linux-x86_64.so}, in the {@code jcuda-natives}
 * jar), loaded before the backend's first JCuda call, on the class path and on the module path.
 *
 * <p>JCuda loads it in {@code JCudaDriver}'s static initializer: from {@code java.library.path} if it is
 * there, else from {@code $java.io.tmpdir/libJCudaDriver-...so}, used as it is whenever that file exists
 * (whoever wrote it, whatever version it holds), else written there from a resource that JCuda looks
 * for in its own module only. On the class path JCuda finds the resource, and it loads the library
 * its own way, the way that has run on GPUs. On the module path the natives jar is a module of its own
 * ({@code jcuda.natives}) and JCuda finds nothing; there this class finds the resource through the
 * class loader (which sees every open package of the modules it defines, and an automatic module opens
 * all of its packages), copies it into {@code $java.io.tmpdir/colossus-jcuda-<hash>/}, a directory that
 * only this user may write to, named by the library's SHA-256, checks the copy's hash, and initialises
 * {@code JCudaDriver} while {@code java.io.tmpdir} names that directory (under a lock, restored after),
 * so that the file JCuda loads is the one checked here.
 *
 * <p>The module-path way first ran on a GPU on 2026-12-04 (an H200, {@code gpu-check.sh}'s modulepath
 * step); on machines without a CUDA driver it reaches {@code System.load}, which fails on the missing
 * {@code libcuda.so.1} ({@code JCudaNativesTest}, {@code ModulePathTest}). It could serve the class
 * path too, which would end JCuda's reuse of whatever file lies in the shared temporary directory.
 */
final class JCudaNatives {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static boolean loaded;

    private JCudaNatives() {
    }

    /** The library's file name, {@code libJCudaDriver-12.6.0-linux-x86_64.so}, as JCuda names it. */
    static String fileName() {
        return LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName("JCudaDriver-" + JCudaVersion.get()));
    }

    /** Where JCuda and the class loader look for the library: {@code lib/} and {@link #fileName()}. */
    static String resource() {
        return "lib/" + fileName();
    }

    /**
     * Loads JCuda's driver binding, once per process: JCuda's own way where it finds the library itself,
     * else from the checked copy of {@link #extract()}.
     *
     * @throws IllegalStateException naming the library and why it did not load (no {@code libcuda.so.1},
     *         no natives jar, a directory another user controls)
     */
    static synchronized void load() {
        if (loaded) {
            return;
        }
        boolean jcudaFindsIt = LibUtils.class.getResource("/" + resource()) != null;
        Path library = jcudaFindsIt ? null : extract();
        String tmpdir = System.getProperty("java.io.tmpdir");
        try {
            if (library != null) {
                System.setProperty("java.io.tmpdir", library.getParent().toString());
            }
            Class.forName("jcuda.driver.JCudaDriver", true, JCudaNatives.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cuda backend: JCuda's driver binding (" + (library == null
                    ? "as JCuda loads it, " + resource() + " on the class path" : library) + ") did not load: "
                    + cause.getMessage(), e);
        } finally {
            System.setProperty("java.io.tmpdir", tmpdir);
        }
        loaded = true;
    }

    /**
     * The library copied into {@code $java.io.tmpdir/colossus-jcuda-<hash>/} under JCuda's file name,
     * written (or rewritten, when its content differs) only where this user alone can write.
     */
    static Path extract() {
        String resource = resource();
        URL url = JCudaNatives.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("cuda backend: JCuda's native library " + resource + " is on neither the class"
                    + " path nor the module path: put org.jcuda:jcuda-natives:" + JCudaVersion.get()
                    + ":jar:linux-x86_64 beside org.jcuda:jcuda");
        }
        try {
            byte[] bytes;
            try (InputStream in = url.openStream()) {
                bytes = in.readAllBytes();
            }
            String hash = GpuRuns.sha256(bytes);
            Path directory = privateDirectory(Path.of(System.getProperty("java.io.tmpdir"), "colossus-jcuda-" + hash.substring(0, 16)));
            Path library = directory.resolve(fileName());
            if (!Files.exists(library, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(library, LinkOption.NOFOLLOW_LINKS)
                    || !hash.equals(GpuRuns.sha256(Files.readAllBytes(library)))) {
                Path part = Files.createTempFile(directory, "part", ".so");
                Files.write(part, bytes);
                try {
                    Files.move(part, library, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(part, library, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return library;
        } catch (IOException e) {
            throw new UncheckedIOException("cuda backend: cannot copy JCuda's native library " + resource + " out of "
                    + url + ": " + e.getMessage(), e);
        }
    }

    /** {@code directory}, made with permissions rwx------ if absent; refused unless it is this user's, a real directory, and closed to others. */
    private static Path privateDirectory(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException raced) {
                // another process of this user (or another user) made it first: checked below
            }
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
        boolean mine = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"));
        boolean closed = !permissions.removeAll(EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE));
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS) || !mine || !closed) {
            throw new IOException(directory + " is not a directory of " + System.getProperty("user.name")
                    + " closed to other users' writes; remove it, or set java.io.tmpdir to a directory of your own");
        }
        return directory;
    }
}
