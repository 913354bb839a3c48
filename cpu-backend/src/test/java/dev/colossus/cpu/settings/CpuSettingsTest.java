package dev.colossus.cpu.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.spi.SettingsReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CPU backend's settings: read from properties and the environment, refused by name, and refusal in a real JVM. */
class CpuSettingsTest {

    private static CpuSettings read(Map<String, String> properties, Map<String, String> environment) {
        return CpuSettings.read(new SettingsReader(properties::get, environment::get));
    }

    @Test
    void defaultsPropertiesAndTheEnvironment() {
        CpuSettings defaults = read(Map.of(), Map.of());
        assertEquals(Runtime.getRuntime().availableProcessors(), defaults.threads());
        assertEquals(CpuSettings.PREFERRED_WIDTH, defaults.vectorBits());
        assertEquals(1024, defaults.kc());
        assertEquals(0, defaults.l2Bytes());
        assertEquals(Runtime.getRuntime().maxMemory() / 4, defaults.packedWeightBytes());
        assertEquals(List.of("colossus.cpu.threads", "colossus.cpu.vectorBits", "colossus.cpu.kc", "colossus.cpu.l2Bytes",
                "colossus.cpu.packedWeightBytes"), defaults.settings().stream().map(s -> s.property()).toList());
        CpuSettings set = read(Map.of("colossus.cpu.threads", "3", "colossus.cpu.vectorBits", "256", "colossus.cpu.packedWeightBytes", "0"),
                Map.of("COLOSSUS_CPU_KC", "384", "COLOSSUS_CPU_L2_BYTES", "2097152"));
        assertEquals(List.of(3, 256, 384, 2L << 20, 0L),
                List.of(set.threads(), set.vectorBits(), set.kc(), set.l2Bytes(), set.packedWeightBytes()));
    }

    @Test
    void badValuesAreRefusedByName() {
        assertEquals("-Dcolossus.cpu.vectorBits=384: expected one of 0, 128, 256, 512", assertThrows(
                IllegalArgumentException.class, () -> read(Map.of("colossus.cpu.vectorBits", "384"), Map.of())).getMessage());
        assertEquals("COLOSSUS_CPU_THREADS=0: expected an integer in [1, 4096]", assertThrows(
                IllegalArgumentException.class, () -> read(Map.of(), Map.of("COLOSSUS_CPU_THREADS", "0"))).getMessage());
    }

    /** A JVM started with a bad value does not run CPU ops with a guess: the backend is unavailable, saying why. */
    @Test
    void aRefusedValueMakesTheBackendUnavailableNamingIt() throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dcolossus.cpu.threads=two", "-cp", System.getProperty("java.class.path"),
                CpuSettingsTest.class.getName()));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("cpu        cpu   priority  100  unavailable: -Dcolossus.cpu.threads=two: expected an "
                + "integer in [1, 4096]"), output);
        assertTrue(output.contains("cpu ops run on: reference"), output);
    }

    /** For {@link #aRefusedValueMakesTheBackendUnavailableNamingIt}: what this JVM's backends say. */
    public static void main(String[] args) {
        System.out.println(dev.colossus.Backends.describe());
    }
}
