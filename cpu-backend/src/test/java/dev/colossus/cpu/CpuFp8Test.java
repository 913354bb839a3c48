package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.ScaledTensor;
import dev.colossus.Tensor;
import dev.colossus.spi.Backend;
import dev.colossus.testkit.ScopePerTest;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The 8-bit floats on the CPU backend against the reference backend: casts both ways bit for bit
 * (corner values included), an op on F8 tensors, {@link Ops#toFp8} and {@link Ops#scaledMatmul}
 * (F32 products: relative L2 within F32's tolerance) over odd shapes and a transposed view.
 */
@ExtendWith(ScopePerTest.class)
class CpuFp8Test {
    private static final float[] CORNERS = {0f, -0f, 1f, -1f, 0.3f, 447.9f, 448f, 464f, 465f, 5e4f, 6e4f, 1e9f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, 1e-40f, 0x1p-9f, 0x1p-10f, 0x1.8p-10f};

    private static Tensor on(String backend, Supplier<Tensor> op) {
        Backend b = Backends.get(backend);
        return Backends.using(b, op);
    }

    @Test
    void castsGiveTheReferenceBitsBothWays() {
        Tensor random = Tensor.randn(3, DType.F32, 37, 29);
        Tensor scaled = Ops.mul(random, 100);
        Tensor corners = Tensor.of(CORNERS, CORNERS.length);
        for (DType format : new DType[] {DType.F8E4M3, DType.F8E5M2}) {
            for (Tensor x : new Tensor[] {scaled, scaled.transpose(0, 1), corners}) {
                Tensor cpu = on("cpu", () -> x.to(format)), reference = on("reference", () -> x.to(format));
                assertArrayEquals(reference.to(DType.F32).toFloatArray(), cpu.to(DType.F32).toFloatArray(), format + " " + x.shape());
                Tensor wideCpu = on("cpu", () -> cpu.to(DType.BF16)), wideReference = on("reference", () -> cpu.to(DType.BF16));
                assertArrayEquals(wideReference.toFloatArray(), wideCpu.toFloatArray(), format + " widened");
            }
        }
    }

    @Test
    void opsOnEightBitTensorsMatchTheReference() {
        Tensor a = Tensor.randn(4, DType.F32, 9, 13).to(DType.F8E4M3), b = Tensor.randn(5, DType.F32, 13).to(DType.F8E4M3);
        Tensor cpu = on("cpu", () -> Ops.add(a, b)), reference = on("reference", () -> Ops.add(a, b));
        assertEquals(DType.F8E4M3, cpu.dtype());
        assertArrayEquals(reference.toFloatArray(), cpu.toFloatArray());
    }

    @Test
    void scaledMatmulMatchesTheReference() {
        for (int[] mkn : new int[][] {{1, 1, 1}, {33, 17, 5}, {8, 64, 48}, {3, 200, 31}}) {
            Tensor x = Tensor.randn(mkn[0], DType.F32, mkn[0], mkn[1]), w = Tensor.randn(mkn[2], DType.F32, mkn[2], mkn[1]);
            try (ScaledTensor a = Ops.toFp8(x, DType.F8E4M3); ScaledTensor b = Ops.toFp8(w, DType.F8E4M3);
                 Tensor wt = b.values().transpose(0, 1)) {
                Tensor cpu = on("cpu", () -> Ops.scaledMatmul(a.values(), wt, a.scale(), b.scale(), DType.F32));
                Tensor reference = on("reference", () -> Ops.scaledMatmul(a.values(), wt, a.scale(), b.scale(), DType.F32));
                TensorAssert.assertRelativeL2(mkn[0] + "x" + mkn[1] + "x" + mkn[2], reference, cpu, Tolerance.of(DType.F32));
            }
        }
    }
}
