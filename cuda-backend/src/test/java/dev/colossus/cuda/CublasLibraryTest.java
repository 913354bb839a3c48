package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search order for cuBLAS, and which major each driver may use, over folders made for the test. */
class CublasLibraryTest {
    @TempDir
    Path root;

    @Test
    void explicitSettingThenCudaHomeThenLoaderPathsThenWheels() throws IOException {
        Path wheelSite = Files.createDirectories(root.resolve("venv/lib/python3.12/site-packages"));
        Map<String, String> env = Map.of(
                CublasLibrary.ENVIRONMENT, root.resolve("env-cublas").toString(),
                "CUDA_HOME", root.resolve("cuda").toString(),
                "LD_LIBRARY_PATH", root.resolve("ld1") + ":" + root.resolve("ld2"),
                "VIRTUAL_ENV", root.resolve("venv").toString());
        List<Path> folders = CublasLibrary.folders(
                key -> key.equals(CublasLibrary.PROPERTY) ? root.resolve("prop/libcublas.so.12").toString() : null, env);
        int prop = folders.indexOf(root.resolve("prop"));
        int environment = folders.indexOf(root.resolve("env-cublas"));
        int cudaHome = folders.indexOf(root.resolve("cuda/lib64"));
        int ld = folders.indexOf(root.resolve("ld1"));
        int ld2 = folders.indexOf(root.resolve("ld2"));
        int system = folders.indexOf(Path.of("/usr/lib/x86_64-linux-gnu"));
        int cu13Wheel = folders.indexOf(wheelSite.resolve("nvidia/cu13/lib"));
        int cu12Wheel = folders.indexOf(wheelSite.resolve("nvidia/cublas/lib"));
        assertEquals(0, prop, folders.toString());
        assertTrue(prop < environment && environment < cudaHome && cudaHome < ld && ld < ld2 && ld2 < system
                && system < cu13Wheel && cu13Wheel < cu12Wheel, folders.toString());
        assertTrue(folders.contains(root.resolve("cuda/targets/x86_64-linux/lib")));
    }

    @Test
    void cuda13LibraryOnlyForCuda13Drivers() throws IOException {
        Path both = Files.createDirectories(root.resolve("both"));
        Files.createFile(both.resolve("libcublas.so.13"));
        Files.createFile(both.resolve("libcublasLt.so.13"));
        Files.createFile(both.resolve("libcublas.so.12"));
        Path onlyThirteen = Files.createDirectories(root.resolve("thirteen"));
        Files.createFile(onlyThirteen.resolve("libcublas.so.13"));

        CublasLibrary.Found on13 = CublasLibrary.find(List.of(onlyThirteen, both), 13000);
        assertEquals(onlyThirteen.resolve("libcublas.so.13"), on13.library());
        assertEquals(13, on13.major());
        assertNull(on13.lt());

        CublasLibrary.Found on12 = CublasLibrary.find(List.of(onlyThirteen, both), 12080);
        assertEquals(both.resolve("libcublas.so.12"), on12.library());
        assertEquals(12, on12.major());

        CublasLibrary.Found lt = CublasLibrary.find(List.of(both), 13010);
        assertEquals(both.resolve("libcublasLt.so.13"), lt.lt());

        assertNull(CublasLibrary.find(List.of(onlyThirteen), 12040));
        assertNull(CublasLibrary.find(List.of(root.resolve("missing")), 13000));
    }
}
