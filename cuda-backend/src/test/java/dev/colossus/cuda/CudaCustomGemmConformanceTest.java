package dev.colossus.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.spi.Backend;
import dev.colossus.testkit.BackendConformanceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole conformance suite again with {@code -Dcolossus.cuda.gemm=custom}: every F16/BF16 product,
 * attention's included, on Colossus's own Tensor Core GEMM instead of cuBLAS.
 */
class CudaCustomGemmConformanceTest extends BackendConformanceTest {
    @BeforeAll
    static void needsAGpuAndForcesTheCustomGemm() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
        System.setProperty("colossus.cuda.gemm", "custom");
    }

    @AfterAll
    static void restoresTheDefault() {
        System.clearProperty("colossus.cuda.gemm");
    }

    @Override
    public Backend backend() {
        return Backends.get("cuda");
    }
}
