package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PTX committed under src/main/resources is what build-ptx.sh makes from src/main/cuda today, it
 * declares the portable ISA (the kernels and their parameters: KernelSpecTest), every module of the default
 * path has passed on a GPU as it is (gpu-runs.md), and ptxas assembles it for Ampere and Hopper. The last two checks need nvcc and ptxas on the PATH (they are on the project's
 * machines) and skip elsewhere.
 */
class CommittedPtxTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path COMMITTED = Path.of("src/main/resources/dev/colossus/cuda/ptx");
    private static final Pattern ENTRY = Pattern.compile("\\.entry (\\w+)\\(");
    private static final Pattern SPILL = Pattern.compile("\\d+ bytes spill stores, \\d+ bytes spill loads");
    private static final Pattern ANONYMOUS_NAMESPACE = Pattern.compile("\\w*_GLOBAL__N_\\w*");
    private static final Pattern RELEASE = Pattern.compile("release (\\d+\\.\\d+), V([\\d.]+)");
    private static final Pattern VARIANT = Pattern.compile("(?m)^// ptx-variant: ([a-z]+) ");

    @TempDir
    Path fresh;

    @Test
    void everySourceAndVariantHasItsPtxDeclaringThePortableIsa() throws IOException {
        List<String> modules = new ArrayList<>();
        for (String source : list(SOURCES, ".cu")) {
            modules.add(source);
            try (Stream<Path> files = Files.walk(SOURCES)) {
                Path file = files.filter(f -> f.getFileName().toString().equals(source + ".cu")).findFirst().orElseThrow();
                Matcher variant = VARIANT.matcher(Files.readString(file));
                while (variant.find()) {
                    modules.add(source + "." + variant.group(1));
                }
            }
        }
        assertEquals(modules.stream().sorted().toList(), list(COMMITTED, ".ptx"));
        for (String module : modules) {
            String ptx = Files.readString(COMMITTED.resolve(module + ".ptx"));
            assertEquals(PtxVersion.PORTABLE, PtxVersion.of(ptx), module);
            String target = base(module).endsWith("_sm90a") ? "sm_90a" : "sm_80";
            assertTrue(ptx.contains("\n.target " + target + "\n"), module + " targets " + target);
        }
    }

    /**
     * Every committed module is in gpu-runs.md by the hash of its bytes, and every module the ops take
     * without {@code -Dcolossus.cuda.unvalidatedKernels=true} (all but the {@code .unvalidated} builds)
     * has passed on a GPU: a kernel changed since its last GPU run cannot reach the default path without
     * a new run recorded there.
     */
    @Test
    void everyModuleIsInTheGpuRunsTableAndTheDefaultPathHasPassedOnAGpu() throws IOException {
        for (String module : list(COMMITTED, ".ptx")) {
            byte[] ptx = Files.readAllBytes(COMMITTED.resolve(module + ".ptx"));
            assertTrue(GpuRuns.recorded(module, ptx), module + ".ptx (sha256 " + GpuRuns.sha256(ptx)
                    + ") is not in " + GpuRuns.TABLE + ": record the GPU run it passed, or 'never'");
            if (module.endsWith(".unvalidated")) {
                assertNull(GpuRuns.passed(module, ptx), module + " passed on a GPU: fold it into " + base(module) + ".ptx");
            } else {
                assertNotNull(GpuRuns.passed(module, ptx), module + ".ptx is on the default path but has not passed on a GPU");
            }
        }
    }

    @Test
    void noSymbolDependsOnThePathItWasBuiltAt() throws IOException {
        for (String module : list(COMMITTED, ".ptx")) {
            Matcher m = ANONYMOUS_NAMESPACE.matcher(Files.readString(COMMITTED.resolve(module + ".ptx")));
            if (m.find()) {
                fail(module + ".ptx names " + m.group()
                        + ", a symbol in an anonymous namespace, whose name hashes the source's path: declare it at global scope");
            }
        }
    }

    @Test
    void committedPtxIsWhatTheSourcesCompileTo() throws Exception {
        assumeTrue(onPath("nvcc"), "nvcc is not on the PATH");
        assumeTrue(ModuleLayer.boot().findModule("jdk.compiler").isPresent(),
                "this runtime cannot launch build-ptx.sh's Java source file (no jdk.compiler)");
        String committedRelease = release(Files.readString(COMMITTED.resolve("elementwise.ptx")));
        String nvccRelease = release(run(List.of("nvcc", "--version")));
        assumeTrue(committedRelease.equals(nvccRelease),
                "the committed PTX is from nvcc " + committedRelease + ", this nvcc is " + nvccRelease);
        ProcessBuilder build = new ProcessBuilder("bash", "build-ptx.sh", fresh.toString());
        build.environment().put("JAVA_HOME", System.getProperty("java.home"));
        run(build);
        for (String module : list(COMMITTED, ".ptx")) {
            assertEquals(Files.readString(COMMITTED.resolve(module + ".ptx")), Files.readString(fresh.resolve(module + ".ptx")),
                    module + ".ptx is stale: run cuda-backend/build-ptx.sh and commit the result");
        }
    }

    /** The SASS each module ships: sm_90a for a module of Hopper's own instructions, else sm_80 and sm_90. */
    private static List<String> architectures(String module) {
        return base(module).endsWith("_sm90a") ? List.of("sm_90a") : List.of("sm_80", "sm_90");
    }

    /**
     * Every module's SASS is committed for its architectures, nothing else is, and every cubin is in
     * gpu-runs.md by the hash of its bytes (none has run on a GPU yet).
     */
    @Test
    void everyModuleShipsItsSassAndEveryCubinIsInTheGpuRunsTable() throws IOException {
        List<String> expected = new ArrayList<>();
        for (String module : list(COMMITTED, ".ptx")) {
            for (String arch : architectures(module)) {
                expected.add(module + "." + arch);
            }
        }
        assertEquals(expected.stream().sorted().toList(), list(COMMITTED, ".cubin"), "run cuda-backend/build-ptx.sh");
        for (String cubin : expected) {
            byte[] bytes = Files.readAllBytes(COMMITTED.resolve(cubin + ".cubin"));
            assertTrue(GpuRuns.recordedFile(cubin + ".cubin", bytes), cubin + ".cubin (sha256 " + GpuRuns.sha256(bytes)
                    + ") is not in " + GpuRuns.TABLE + ": record the GPU run it passed, or 'never'");
        }
    }

    /**
     * ptxas assembles every module without spills, and where it is the release that made the committed
     * SASS (ptxas-version.txt), into exactly the committed cubins.
     */
    @Test
    void ptxasAssemblesEveryModuleForAmpereAndHopperWithoutSpillsIntoTheCommittedSass() throws Exception {
        assumeTrue(onPath("ptxas"), "ptxas is not on the PATH");
        String release = run(List.of("ptxas", "--version")).strip().lines().reduce((first, second) -> second).orElse("");
        boolean sameRelease = release.equals(Files.readString(COMMITTED.resolve("ptxas-version.txt")).strip());
        for (String module : list(COMMITTED, ".ptx")) {
            for (String arch : architectures(module)) {
                Path cubin = fresh.resolve(module + "." + arch + ".cubin");
                String report = run(List.of("ptxas", "-v", "-O3", "-arch=" + arch, "-o", cubin.toString(),
                        COMMITTED.resolve(module + ".ptx").toString()));
                Matcher spill = SPILL.matcher(report);
                while (spill.find()) {
                    assertEquals("0 bytes spill stores, 0 bytes spill loads", spill.group(), module + " for " + arch + ":\n" + report);
                }
                if (sameRelease) {
                    assertArrayEquals(Files.readAllBytes(COMMITTED.resolve(module + "." + arch + ".cubin")), Files.readAllBytes(cubin),
                            module + "." + arch + ".cubin is not what " + release + " makes of " + module + ".ptx: run build-ptx.sh");
                }
            }
        }
    }

    /** The source's name of a module: {@code attention} for {@code attention.unvalidated}. */
    private static String base(String module) {
        int dot = module.indexOf('.');
        return dot < 0 ? module : module.substring(0, dot);
    }

    private static List<String> list(Path folder, String suffix) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(suffix))
                    .map(name -> name.substring(0, name.length() - suffix.length())).sorted().toList();
        }
    }

    private static String release(String text) {
        Matcher m = RELEASE.matcher(text);
        return m.find() ? m.group(2) : "unknown";
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator)).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static String run(List<String> command) throws Exception {
        return run(new ProcessBuilder(command));
    }

    private static String run(ProcessBuilder builder) throws Exception {
        Process process = builder.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), String.join(" ", builder.command()) + " failed:\n" + output);
        return output;
    }
}
