package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.op.MatMul;
import dev.colossus.op.ScaledMatMul;
import dev.colossus.op.UnaryFn;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Which products cuBLASLt takes: the 8-bit float product's layouts and linear's epilogues, decided without a GPU. */
class CublasLtTest {
    private static final Operand SCALE = dense(DType.F32);

    @Test
    void takesKMajorFactorsOnSixteenBytes() {
        assertTrue(accepts(dense(DType.F8E4M3, 32, 64), weight(DType.F8E4M3, 48, 64), DType.F32));
        assertTrue(accepts(dense(DType.F8E4M3, 1, 64), weight(DType.F8E5M2, 8, 64), DType.BF16), "one row, an E5M2 weight");
        assertTrue(accepts(dense(DType.F8E5M2, 5, 16), weight(DType.F8E4M3, 8, 16), DType.F16), "an E5M2 input");
    }

    @Test
    void refusesWhatCublasLtDoesNot() {
        Operand a = dense(DType.F8E4M3, 32, 64);
        assertFalse(accepts(a, dense(DType.F8E4M3, 64, 48), DType.F32), "b N-major, a plain (K, N)");
        assertFalse(accepts(dense(DType.F8E4M3, 32, 40), weight(DType.F8E4M3, 48, 40), DType.F32), "K not a multiple of 16");
        assertFalse(accepts(dense(DType.F8E5M2, 32, 64), weight(DType.F8E5M2, 48, 64), DType.F32), "both E5M2");
        assertFalse(accepts(a, weight(DType.F8E4M3, 4, 64), DType.BF16), "out rows of 8 bytes");
        Operand wide = dense(DType.F8E4M3, 32, 80);
        assertFalse(accepts(wide.slice(1, 8, 72, 1), weight(DType.F8E4M3, 48, 64), DType.F32), "a starting 8 bytes in");
        assertFalse(accepts(dense(DType.F8E4M3, 32, 72).slice(1, 0, 64, 1), weight(DType.F8E4M3, 48, 64), DType.F32),
                "rows 72 bytes apart");
    }

    /** Linear's bias (a row broadcast down the rows) and ReLU or tanh-GELU, in one matrix of F16 or BF16. */
    @Test
    void epiloguesOfLinearLayers() {
        Operand x = dense(DType.BF16, 64, 128), w = weight(DType.BF16, 96, 128), out = dense(DType.BF16, 64, 96);
        Operand bias = dense(DType.BF16, 96).withLayout(Shape.of(64, 96), new long[] {0, 1}, 0);
        assertTrue(CublasLt.acceptsEpilogue(new MatMul(x, w, bias, 1, 1, null, out)), "bias");
        assertTrue(CublasLt.acceptsEpilogue(new MatMul(x, w, bias, 1, 1, UnaryFn.GELU_TANH, out)), "bias, tanh-GELU");
        assertTrue(CublasLt.acceptsEpilogue(new MatMul(x, w, null, 1, 0, UnaryFn.RELU, out)), "ReLU alone");
        assertFalse(CublasLt.acceptsEpilogue(new MatMul(x, w, bias, 1, 1, UnaryFn.GELU, out)), "GELU by erf, which cuBLASLt lacks");
        assertFalse(CublasLt.acceptsEpilogue(new MatMul(x, w, dense(DType.BF16, 64, 96), 1, 1, null, out)), "a whole addend");
        assertFalse(CublasLt.acceptsEpilogue(new MatMul(x, w, bias, 2, 1, null, out)), "alpha 2");
        assertFalse(CublasLt.acceptsEpilogue(new MatMul(x, w, bias, 1, 0.5, null, out)), "beta 0.5");
        assertFalse(CublasLt.acceptsEpilogue(new MatMul(dense(DType.F32, 64, 128), weight(DType.F32, 96, 128),
                null, 1, 0, UnaryFn.RELU, dense(DType.F32, 64, 96))), "F32");
        assertFalse(CublasLt.acceptsEpilogue(new MatMul(dense(DType.BF16, 2, 64, 128), dense(DType.BF16, 2, 128, 96), null, 1, 0,
                UnaryFn.RELU, dense(DType.BF16, 2, 64, 96))), "a batch of two");
    }

    @Test
    void cudaDataTypesAreCublasLtsCodes() {
        assertEquals(28, CublasLt.dataType(DType.F8E4M3));
        assertEquals(29, CublasLt.dataType(DType.F8E5M2));
        assertEquals(14, CublasLt.dataType(DType.BF16));
    }

    private static boolean accepts(Operand a, Operand b, DType out) {
        return CublasLt.accepts(new ScaledMatMul(a, b, SCALE, SCALE, dense(out, a.dim(0), b.dim(1))));
    }

    /** A weight (n, k), row-major, as the product's b: (k, n) with unit stride along k. */
    private static Operand weight(DType dtype, long n, long k) {
        Operand w = dense(dtype, n, k);
        return w.withLayout(Shape.of(k, n), new long[] {1, k}, 0);
    }

    private static Operand dense(DType dtype, long... shape) {
        byte[] memory = new byte[Math.toIntExact(Math.max(1, Shape.of(shape).numel()) * dtype.byteSize())];
        return Operand.contiguous(HostStorage.wrap(MemorySegment.ofArray(memory)), dtype, Shape.of(shape));
    }
}
