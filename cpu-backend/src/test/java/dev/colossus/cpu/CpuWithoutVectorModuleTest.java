package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Run in a JVM started without {@code --add-modules jdk.incubator.vector}: the CPU backend is still
 * available, on scalar kernels, and says so.
 */
@Tag("without-vector-module")
class CpuWithoutVectorModuleTest {

    @Test
    void runsScalarKernelsAndSaysWhy() {
        assertFalse(Simd.VECTOR_MODULE, "this test runs in a JVM without jdk.incubator.vector");
        String description = Backends.describe();
        assertTrue(description.contains("scalar kernels (jdk.incubator.vector not resolved)"), description);
        assertTrue(description.contains("cpu ops run on: cpu"), description);
    }

    @Test
    void computesWhatTheReferenceComputes() {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.randn(1, DType.F32, 37, 29);
            Tensor b = Tensor.randn(2, DType.F32, 29, 41);
            Tensor q = Tensor.randn(3, DType.BF16, 1, 4, 19, 16);
            compare(() -> Ops.matmul(a, b), true);
            compare(() -> Ops.gelu(Ops.softmax(a, -1)), false);
            compare(() -> Ops.scaledDotProductAttention(q, q, q, AttentionOptions.defaults().causal(true)), true);
        }
    }

    private static void compare(Supplier<Tensor> op, boolean l2) {
        Tensor expected = Backends.using(Backends.get("reference"), op);
        Tensor actual = Backends.using(Backends.get("cpu"), op);
        if (l2) {
            TensorAssert.assertRelativeL2("without the vector module", expected, actual, Tolerance.of(expected.dtype()));
        } else {
            TensorAssert.assertClose("without the vector module", expected, actual, Tolerance.of(expected.dtype()));
        }
    }
}
