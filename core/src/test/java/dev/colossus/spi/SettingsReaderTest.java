package dev.colossus.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings come from the property, else the environment, else the default; bad values are refused by name. */
class SettingsReaderTest {
    private enum Mode { FAST, SAFE }

    private static SettingsReader reader(Map<String, String> properties, Map<String, String> environment) {
        return new SettingsReader(properties::get, environment::get);
    }

    @Test
    void thePropertyWinsOverTheEnvironmentWhichWinsOverTheDefault() {
        SettingsReader r = reader(Map.of("colossus.x.threads", "3"),
                Map.of("COLOSSUS_X_THREADS", "5", "COLOSSUS_X_CACHE_BYTES", "1024"));
        assertEquals(3, r.integer("colossus.x.threads", 1, 1, 64, "threads"));
        assertEquals(1024, r.bytes("colossus.x.cacheBytes", 7, "cache"));
        assertEquals(Mode.FAST, r.choice("colossus.x.mode", Mode.FAST, "mode"));
        assertFalse(r.flag("colossus.x.on", false, "on"));
        List<Setting> read = r.settings();
        assertEquals(List.of(Setting.Source.PROPERTY, Setting.Source.ENVIRONMENT, Setting.Source.DEFAULT,
                Setting.Source.DEFAULT), read.stream().map(Setting::source).toList());
        assertEquals("colossus.x.threads = 3 (-Dcolossus.x.threads): threads", read.get(0).toString());
        assertEquals("colossus.x.cacheBytes = 1024 (COLOSSUS_X_CACHE_BYTES): cache", read.get(1).toString());
        assertEquals("colossus.x.mode = fast (default): mode", read.get(2).toString());
    }

    @Test
    void environmentNamesAreUpperCaseWithWordBreaks() {
        assertEquals("COLOSSUS_CPU_VECTOR_BITS", Setting.environmentName("colossus.cpu.vectorBits"));
        assertEquals("COLOSSUS_CUDA_TF32", Setting.environmentName("colossus.cuda.tf32"));
        assertEquals("COLOSSUS_HOST_GC_THRESHOLD_BYTES", Setting.environmentName("colossus.host.gcThresholdBytes"));
    }

    @Test
    void valuesThatDoNotParseAreRefusedNamingTheSettingAndWhereItCameFrom() {
        SettingsReader r = reader(Map.of("colossus.x.threads", "two", "colossus.x.mode", "Safe"),
                Map.of("COLOSSUS_X_ON", "yes", "COLOSSUS_X_BYTES", "-1"));
        assertEquals("-Dcolossus.x.threads=two: expected an integer in [1, 64]", assertThrows(
                IllegalArgumentException.class, () -> r.integer("colossus.x.threads", 1, 1, 64, "threads")).getMessage());
        assertEquals("COLOSSUS_X_ON=yes: expected true or false",
                assertThrows(IllegalArgumentException.class, () -> r.flag("colossus.x.on", false, "on")).getMessage());
        assertEquals("COLOSSUS_X_BYTES=-1: expected a number of bytes (a whole number, at least 0)",
                assertThrows(IllegalArgumentException.class, () -> r.bytes("colossus.x.bytes", 0, "bytes")).getMessage());
        assertEquals(Mode.SAFE, r.choice("colossus.x.mode", Mode.FAST, "mode"));
        assertEquals("-Dcolossus.x.mode=Slow: expected one of [fast, safe]", assertThrows(IllegalArgumentException.class,
                () -> reader(Map.of("colossus.x.mode", "Slow"), Map.of()).choice("colossus.x.mode", Mode.FAST, "m"))
                .getMessage());
        assertEquals("-Dcolossus.x.threads=65: expected an integer in [1, 64]", assertThrows(IllegalArgumentException.class,
                () -> reader(Map.of("colossus.x.threads", "65"), Map.of()).integer("colossus.x.threads", 1, 1, 64, "t"))
                .getMessage());
    }

    @Test
    void hostSettingsAreReadFromTheirProperties() {
        HostSettings s = HostSettings.read(reader(Map.of("colossus.host.cacheBytes", "1048576"),
                Map.of("COLOSSUS_HOST_GC_THRESHOLD_BYTES", "2097152")));
        assertEquals(1 << 20, s.cacheFloorBytes());
        assertEquals(2 << 20, s.gcThresholdFloorBytes());
        assertEquals(2, s.settings().size());
    }
}
