package dev.colossus.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which committed PTX modules (and their SASS, {@link Sass}) have passed on a GPU, and where: the table
 * in {@code /dev/colossus/cuda/ptx/gpu-runs.md}, a file's row found by the SHA-256 of its bytes.
 *
 * <p>Code that has never run on a GPU stays off the default path: the ops take the modules that
 * passed, and {@link Kernels} refuses to load one that has not unless {@code
 * -Dcolossus.cuda.unvalidatedKernels=true} (read once) asks for it: a kernel changed since its last
 * GPU run, or SASS that has not passed ({@code sm_80}'s). With that setting the ops also take the
 * {@code .unvalidated} builds of the modules that have one ({@link #module}: today {@code norm}'s).
 */
final class GpuRuns {
    static final String TABLE = "/dev/colossus/cuda/ptx/gpu-runs.md";
    private static final String NEVER = "never";

    /** Module file name to (sha256, what it passed). */
    private static final Map<String, Row> ROWS = read();

    private record Row(String sha256, String passed) {
    }

    private GpuRuns() {
    }

    /**
     * The module to launch {@code base}'s kernels from: its {@code .unvalidated} build where code that
     * has not yet run is asked for and there is one, else {@code base}.
     */
    static String module(String base) {
        return CudaOptions.AT_START.unvalidatedKernels() && ROWS.containsKey(base + ".unvalidated.ptx") ? base + ".unvalidated" : base;
    }

    /** The run {@code module.ptx}, with exactly these bytes, passed on a GPU; null if none did. */
    static String passed(String module, byte[] ptx) {
        return passedFile(module + ".ptx", ptx);
    }

    /** The run the file {@code file} (a module's PTX or SASS), with exactly these bytes, passed on a GPU; null if none did. */
    static String passedFile(String file, byte[] bytes) {
        Row row = ROWS.get(file);
        return row == null || row.passed().startsWith(NEVER) || !row.sha256().equals(sha256(bytes)) ? null : row.passed();
    }

    /**
     * Whether the file {@code file} (a module's PTX or SASS) may be loaded: these bytes passed on a GPU,
     * or {@code -Dcolossus.cuda.unvalidatedKernels=true} asks for those the table records.
     */
    static boolean mayLoad(String file, byte[] bytes) {
        return passedFile(file, bytes) != null || CudaOptions.AT_START.unvalidatedKernels() && recordedFile(file, bytes);
    }

    /** Whether the table has a row for {@code module.ptx} with exactly these bytes, passed or not. */
    static boolean recorded(String module, byte[] ptx) {
        return recordedFile(module + ".ptx", ptx);
    }

    /** Whether the table has a row for the file {@code file} (a module's PTX or SASS) with exactly these bytes, passed or not. */
    static boolean recordedFile(String file, byte[] bytes) {
        Row row = ROWS.get(file);
        return row != null && row.sha256().equals(sha256(bytes));
    }

    /** Throws unless {@code module.ptx} passed on a GPU or {@code -Dcolossus.cuda.unvalidatedKernels=true} allows it. */
    static void checkMayLoad(String module, byte[] ptx) {
        if (!CudaOptions.AT_START.unvalidatedKernels() && passed(module, ptx) == null) {
            throw new IllegalStateException(module + ".ptx has not passed on a GPU (see " + TABLE
                    + " in colossus-cuda); -Dcolossus.cuda.unvalidatedKernels=true runs it anyway");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this runtime", e);
        }
    }

    /** The rows of the table: {@code | module | sha256 | passed on a GPU |}. */
    private static Map<String, Row> read() {
        try (InputStream in = GpuRuns.class.getResourceAsStream(TABLE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + TABLE);
            }
            Map<String, Row> rows = new TreeMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] cells = line.split("\\|");
                String file = cells.length >= 4 ? cells[1].strip() : "";
                if ((file.endsWith(".ptx") || file.endsWith(".cubin")) && cells[2].strip().length() == 64) {
                    rows.put(file, new Row(cells[2].strip(), cells[3].strip()));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + TABLE, e);
        }
    }

}
