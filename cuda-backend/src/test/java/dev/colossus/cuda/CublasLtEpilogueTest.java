package dev.colossus.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.UnaryFn;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Linear layers whose bias and activation run in cuBLASLt's epilogue ({@link
 * CublasLt#matmulWithEpilogue}) against the CPU backend's (the reference's loops would take minutes at
 * these sizes), on fresh random inputs: with and without a bias, ReLU, tanh-GELU and none, one row to
 * hundreds, K neither a power of two nor a tile's multiple. Never run on a GPU yet, so taken only with
 * {@code -Dcolossus.cuda.unvalidatedKernels=true}; skipped without it or without a GPU.
 */
class CublasLtEpilogueTest {
    /** (tokens, in, out) */
    private static final long[][] SHAPES = {{64, 128, 96}, {1, 256, 512}, {300, 1000, 712}};

    @BeforeAll
    static void needsAGpuAndTheSetting() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
        assumeTrue(Backends.availableNames().contains("cpu"), "the CPU backend, the oracle at these sizes, is not on the class path "
                + "(gpu-check.sh puts it there)");
        assumeTrue(CudaOptions.AT_START.unvalidatedKernels(), "cuBLASLt's epilogues have not yet run on a GPU: "
                + "-Dcolossus.cuda.unvalidatedKernels=true takes them");
    }

    @ParameterizedTest
    @EnumSource(names = {"BF16", "F16"})
    void matchTheReference(DType dtype) {
        long seed = 60;
        Device gpu = Device.cuda(0);
        for (long[] s : SHAPES) {
            for (UnaryFn activation : new UnaryFn[] {null, UnaryFn.RELU, UnaryFn.GELU_TANH}) {
                for (boolean withBias : new boolean[] {true, false}) {
                    try (Scope scope = Scope.open()) {
                        Tensor x = Tensor.randn(seed++, dtype, s[0], s[1]), w = Tensor.randn(seed++, dtype, s[2], s[1]);
                        Tensor bias = withBias ? Tensor.randn(seed++, dtype, s[2]) : null;
                        Tensor expected = Backends.using(Backends.get("cpu"), () -> Ops.linear(x, w, bias, activation));
                        Tensor actual = Ops.linear(x.to(gpu), w.to(gpu), bias == null ? null : bias.to(gpu), activation).to(Device.CPU);
                        TensorAssert.assertRelativeL2("linear (" + s[0] + "," + s[1] + ") -> " + s[2] + (withBias ? " + bias" : "")
                                + (activation == null ? "" : ", " + activation), expected, actual, Tolerance.of(dtype));
                    }
                }
            }
        }
    }
}
