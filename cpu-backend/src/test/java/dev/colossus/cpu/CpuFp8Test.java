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
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * Every F16 and every BF16 value into both formats; every code of each to F32; and every midpoint
     * between neighbouring values of a format, with the F32s either side of it, in both signs: the
     * CPU's bytes are the reference's.
     */
    @Test
    void castsOfEveryHalfEveryCodeAndEveryMidpointGiveTheReferenceBytes() {
        MemorySegment halves = Arena.ofAuto().allocate(2 * 65536, 2), codes = Arena.ofAuto().allocate(256);
        for (int i = 0; i < 65536; i++) {
            halves.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) i);
        }
        for (int i = 0; i < 256; i++) {
            codes.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        for (DType format : new DType[] {DType.F8E4M3, DType.F8E5M2}) {
            for (DType half : new DType[] {DType.F16, DType.BF16}) {
                Tensor every = Tensor.wrap(halves, half, 65536);
                assertSameBytes(format + " from every " + half, () -> every.to(format));
            }
            Tensor all = Tensor.wrap(codes, format, 256);
            assertSameBytes("every " + format + " code to F32", () -> all.to(DType.F32));
            float[] values = on("reference", () -> all.to(DType.F32)).toFloatArray();
            List<Float> edges = new ArrayList<>();
            for (int c = 0; c < 0x7F; c++) {
                float midpoint = (values[c] + values[c + 1]) / 2;
                if (Float.isFinite(midpoint)) {
                    for (float v : new float[] {values[c], Math.nextDown(midpoint), midpoint, Math.nextUp(midpoint)}) {
                        edges.add(v);
                        edges.add(-v);
                    }
                }
            }
            float[] edgeValues = new float[edges.size()];
            for (int i = 0; i < edgeValues.length; i++) {
                edgeValues[i] = edges.get(i);
            }
            Tensor edgeTensor = Tensor.of(edgeValues, edgeValues.length);
            assertSameBytes(format + " at and around its midpoints", () -> edgeTensor.to(format));
        }
    }

    private static void assertSameBytes(String what, Supplier<Tensor> op) {
        Tensor cpu = on("cpu", op), reference = on("reference", op);
        long bytes = reference.numel() * reference.dtype().byteSize();
        assertArrayEquals(reference.segment().asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE),
                cpu.segment().asSlice(0, bytes).toArray(ValueLayout.JAVA_BYTE), what);
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
