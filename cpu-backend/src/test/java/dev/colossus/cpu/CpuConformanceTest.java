package dev.colossus.cpu;

import dev.colossus.Backends;
import dev.colossus.spi.Backend;
import dev.colossus.testkit.BackendConformanceTest;

/** The CPU backend against the reference, at the SIMD width this JVM was started with (0, 256 or 512 in CI). */
class CpuConformanceTest extends BackendConformanceTest {
    @Override
    public Backend backend() {
        return Backends.get("cpu");
    }
}
