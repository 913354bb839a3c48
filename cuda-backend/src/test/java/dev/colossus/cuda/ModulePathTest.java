package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Tensor;
import java.io.File;
import java.net.JarURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jcuda.LibUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA backend on the module path, in a JVM of its own: core, this module, JCuda and JCuda's
 * natives each a module (the natives resolved with no flag: once one automatic module is, all are), {@code requires transitive dev.colossus.core} resolved, the provider found,
 * and JCuda's driver binding copied out of the natives module (which JCuda itself cannot see) and
 * handed to {@code System.load}: loaded where there is a driver, failing on {@code libcuda.so.1} where
 * there is none.
 */
class ModulePathTest {
    @TempDir
    Path temporary;

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void theBackendLoadsJCudaOnTheModulePath() throws Exception {
        JarURLConnection natives = (JarURLConnection) JCudaNatives.class.getClassLoader().getResource(JCudaNatives.resource()).openConnection();
        String nativesJar = Path.of(natives.getJarFileURL().toURI()).toString();
        List<String> modules = List.of(location(Tensor.class), location(JCudaNatives.class), location(LibUtils.class), nativesJar);
        assumeTrue(modules.stream().distinct().count() == modules.size(), "core, cuda and JCuda come from one jar here "
                + modules.get(0) + " (a shaded jar): the module path is checked by gpu-check.sh's modulepath step");
        String modulePath = String.join(File.pathSeparator, modules);
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-Djava.io.tmpdir=" + temporary, "--enable-native-access=dev.colossus.core,dev.colossus.cuda,jcuda",
                "--module-path", modulePath, "--patch-module", "dev.colossus.cuda=" + location(ModulePathMain.class),
                "-m", "dev.colossus.cuda/" + ModulePathMain.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), output);

        assertTrue(output.contains("module dev.colossus.cuda\n"), output);
        assertTrue(output.contains("jcuda in jcuda\n"), output);
        assertTrue(output.contains("cuda       cuda  priority  200  "), output);
        assertFalse(output.contains("No resource found"), output);
        boolean loaded = output.contains("\nloaded\n");
        boolean failedOnTheDriver = output.contains("failed: cuda backend: JCuda's driver binding (" + temporary + "/colossus-jcuda-")
                && output.contains("libcuda.so.1");
        assertTrue(loaded || failedOnTheDriver, output);
    }
}
