package dev.colossus.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.spi.Backend;
import dev.colossus.testkit.BackendConformanceTest;
import org.junit.jupiter.api.BeforeAll;

/** The CUDA backend against the reference, on the first GPU; skipped where the provider is unavailable. */
class CudaConformanceTest extends BackendConformanceTest {
    @BeforeAll
    static void needsAGpu() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
    }

    @Override
    protected Backend backend() {
        return Backends.get("cuda");
    }
}
