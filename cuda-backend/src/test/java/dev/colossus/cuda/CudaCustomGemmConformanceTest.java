package dev.colossus.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole conformance suite again with {@code -Dcolossus.cuda.gemm=custom}: every F16/BF16 product,
 * attention's included, on Colossus's own Tensor Core GEMM instead of cuBLAS; what the backend computes
 * and its known failures as in {@link CudaConformanceTest}.
 */
class CudaCustomGemmConformanceTest extends CudaConformanceTest {
    @BeforeAll
    static void forcesTheCustomGemm() {
        System.setProperty("colossus.cuda.gemm", "custom");
    }

    @AfterAll
    static void restoresTheDefault() {
        System.clearProperty("colossus.cuda.gemm");
    }
}
