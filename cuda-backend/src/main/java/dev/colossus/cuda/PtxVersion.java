package dev.colossus.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX ISA version a module declares, and its lowering. nvcc 13 writes {@code .version 9.0}, which
 * only drivers of CUDA 13 (≥ 580) can JIT; a module that uses nothing newer than ISA 8.0 says so and
 * loads on every CUDA 12 driver too. {@code build-ptx.sh} runs {@link #main} on nvcc's output.
 */
public final class PtxVersion {
    /** The ISA every portable Colossus kernel declares: CUDA 12.0, drivers ≥ 525. */
    public static final String PORTABLE = "8.0";

    private static final Pattern VERSION = Pattern.compile("(?m)^\\.version (\\d+)\\.(\\d+)$");

    private PtxVersion() {
    }

    /**
     * The {@code .version} of {@code ptx}, e.g. {@code "9.0"}.
     *
     * @param ptx a PTX module's text
     * @return the ISA version it declares
     */
    public static String of(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        if (!m.find()) {
            throw new IllegalArgumentException("no .version directive in the PTX");
        }
        return m.group(1) + "." + m.group(2);
    }

    /**
     * {@code ptx} declaring {@code version} instead, when that is lower than what it declares;
     * unchanged otherwise. Whether the module really keeps to the lower ISA is ptxas's to check.
     *
     * @param ptx a PTX module's text
     * @param version the ISA version wanted, e.g. {@code "8.0"}
     * @return the text, declaring the lower of the two
     */
    public static String lower(String ptx, String version) {
        if (compare(version, of(ptx)) >= 0) {
            return ptx;
        }
        return VERSION.matcher(ptx).replaceFirst(".version " + version);
    }

    /** Negative, zero or positive as ISA {@code a} is older than, the same as, or newer than {@code b}. */
    static int compare(String a, String b) {
        String[] x = a.split("\\."), y = b.split("\\.");
        int major = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return major != 0 ? major : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }

    /**
     * {@code PtxVersion VERSION FILE...}: lowers each PTX file in place.
     *
     * @param args the version, then the files
     * @throws IOException when a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: PtxVersion VERSION FILE...");
            System.exit(2);
        }
        for (int i = 1; i < args.length; i++) {
            Path file = Path.of(args[i]);
            Files.writeString(file, lower(Files.readString(file), args[0]));
        }
    }
}
