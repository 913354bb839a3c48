package dev.colossus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Tensor;
import org.junit.jupiter.api.Test;

/** GpuBench's checks, on the host: the error they measure, and what counts as a failure. */
class GpuChecksTest {
    @Test
    void relativeL2IsTheNormOfTheDifferenceOverTheNormOfTheExpected() {
        assertEquals(0.5, GpuChecks.relativeL2(new float[] {3, 4}, new float[] {3, 6.5f}), 1e-12);
        assertEquals(0, GpuChecks.relativeL2(new float[] {1, -2}, new float[] {1, -2}));
        assertEquals(Math.sqrt(2), GpuChecks.relativeL2(new float[] {0, 0}, new float[] {1, -1}), 1e-12);
        assertTrue(Double.isNaN(GpuChecks.relativeL2(new float[] {1, 2}, new float[] {1, Float.NaN})));
        assertTrue(Double.isNaN(GpuChecks.relativeL2(new float[] {Float.POSITIVE_INFINITY}, new float[] {Float.POSITIVE_INFINITY})));
    }

    @Test
    void errorsPastTheToleranceNonFiniteValuesOtherShapesAndThrowsFail() {
        GpuChecks checks = new GpuChecks();
        checks.compare("equal", () -> Tensor.of(new float[] {1, 2, 3}, 3), () -> Tensor.of(new float[] {1, 2, 3}, 3), 0);
        checks.compare("close", () -> Tensor.of(new float[] {100, 0}, 2), () -> Tensor.of(new float[] {100.5f, 0}, 2), 1e-2);
        assertEquals(0, checks.summarize());
        checks.compare("far", () -> Tensor.of(new float[] {1, 2}, 2), () -> Tensor.of(new float[] {1, 3}, 2), 1e-2);
        checks.compare("nan", () -> Tensor.of(new float[] {1, 2}, 2), () -> Tensor.of(new float[] {1, Float.NaN}, 2), 1);
        checks.compare("shape", () -> Tensor.zeros(DType.F32, 2, 3), () -> Tensor.zeros(DType.F32, 3, 2), 1);
        checks.compare("throws", () -> Tensor.zeros(DType.F32, 2), () -> {
            throw new IllegalStateException("no GPU");
        }, 1);
        assertEquals(4, checks.summarize());
    }
}
