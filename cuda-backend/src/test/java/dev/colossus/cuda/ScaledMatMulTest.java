package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.ScaledTensor;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link CublasLt}'s 8-bit float product against the CPU backend's (the factors widened exactly to
 * F32, an F32 product; the reference's loops would take minutes at these sizes), on fresh random
 * factors quantised by {@link Ops#toFp8}: an input (M, K) times a weight (N, K) transposed, both factor
 * formats, every output dtype. Never run on a GPU yet, so taken only with {@code
 * -Dcolossus.cuda.unvalidatedKernels=true} ({@code UNVALIDATED=1 gpu-check.sh run junit}); skipped
 * without it or without a GPU of compute capability 8.9 or above.
 */
class ScaledMatMulTest {
    /** (M, K, N): tiles, one row, a long K and a narrow N. */
    private static final long[][] SHAPES = {{64, 128, 96}, {1, 32, 16}, {200, 4096, 8}, {1000, 1024, 3072}};

    @BeforeAll
    static void needsAnAdaOrHopperGpuAndTheSetting() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
        assumeTrue(Backends.availableNames().contains("cpu"), "the CPU backend, the oracle at these sizes, is not on the class path "
                + "(gpu-check.sh puts it there)");
        assumeTrue(CudaOptions.AT_START.unvalidatedKernels(), "the cuBLASLt product has not yet run on a GPU: "
                + "-Dcolossus.cuda.unvalidatedKernels=true takes it");
        assumeTrue(((CudaBackend) Backends.get("cuda")).computeCapability() >= 89, "cuBLASLt multiplies 8-bit floats from sm_89 on");
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F16"})
    void matchesTheReference(DType out) {
        long seed = 40;
        for (long[] s : SHAPES) {
            for (DType weightFormat : new DType[] {DType.F8E4M3, DType.F8E5M2}) {
                try (Scope scope = Scope.open()) {
                    ScaledTensor x = Ops.toFp8(Tensor.randn(seed++, DType.F32, s[0], s[1]), DType.F8E4M3);
                    ScaledTensor w = Ops.toFp8(Tensor.randn(seed++, DType.F32, s[2], s[1]), weightFormat);
                    Tensor expected = Backends.using(Backends.get("cpu"),
                            () -> Ops.scaledMatmul(x.values(), w.values().transpose(0, 1), x.scale(), w.scale(), out));
                    Device gpu = Device.cuda(0);
                    Tensor actual = Ops.scaledMatmul(x.values().to(gpu), w.values().to(gpu).transpose(0, 1), x.scale().to(gpu),
                            w.scale().to(gpu), out).to(Device.CPU);
                    TensorAssert.assertRelativeL2("(" + s[0] + "," + s[1] + ") x (" + s[2] + "," + s[1] + ")ᵀ " + weightFormat + " -> "
                            + out, expected, actual, Tolerance.of(out));
                }
            }
        }
    }

    /** b N-major is not a layout cuBLASLt takes, and no kernel widens 8-bit floats on the GPU: a clear refusal. */
    @Test
    void aLayoutCublasLtDoesNotTakeIsRefused() {
        try (Scope scope = Scope.open()) {
            Device gpu = Device.cuda(0);
            Tensor a = Tensor.zeros(DType.F8E4M3, 32, 64).to(gpu), b = Tensor.zeros(DType.F8E4M3, 64, 48).to(gpu);
            Tensor one = Tensor.scalar(1, DType.F32).to(gpu);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Ops.scaledMatmul(a, b, one, one, DType.F32));
            assertTrue(e.getMessage().startsWith("scaledMatmul: the 'cuda' backend runs it as a rewrite, and a step of that failed: copy:"),
                    e.getMessage());
        }
    }
}
