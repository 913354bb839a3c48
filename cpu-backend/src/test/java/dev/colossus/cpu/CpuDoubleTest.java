package dev.colossus.cpu;

import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import dev.colossus.testkit.ElementwiseConformance;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.TensorAssert;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The CPU's F64 elementwise ops, reductions and running sums compute each element as the reference
 * does, in its order: bit for bit its results, where the shared conformance suite asks only for
 * closeness. Corner values (NaN, +-0, +-Inf, subnormals, magnitudes near the top of the range), views,
 * broadcasting, several tasks' worth, and casts both ways, including F64s that round to F32 onto a
 * midpoint of BF16 and F16 (the reference rounds twice, through F32).
 */
class CpuDoubleTest {
    @Test
    void unaryFunctionsAreTheReferences() {
        try (Scope scope = Scope.open()) {
            Tensor x = Generators.tensor(1, DType.F64, EXTREMES, CONTIGUOUS, 3, 70_001);
            Tensor view = Generators.tensor(2, DType.F64, EXTREMES, TRANSPOSED, 33, 17);
            for (UnaryFn fn : UnaryFn.values()) {
                assertSame(fn.apiName(), () -> ElementwiseConformance.unary(fn, x));
                assertSame(fn.apiName() + " of a transpose", () -> ElementwiseConformance.unary(fn, view));
            }
        }
    }

    @Test
    void binaryFunctionsAreTheReferences() {
        try (Scope scope = Scope.open()) {
            Tensor a = Generators.tensor(3, DType.F64, EXTREMES, CONTIGUOUS, 3, 70_001), b = Generators.tensor(4, DType.F64, EXTREMES, STRIDED, 3, 70_001);
            Tensor column = Generators.tensor(5, DType.F64, EXTREMES, CONTIGUOUS, 33, 1), row = Generators.tensor(6, DType.F64, EXTREMES, TRANSPOSED, 1, 17);
            for (BinaryFn fn : BinaryFn.values()) {
                assertSame(fn.apiName(), () -> ElementwiseConformance.binary(fn, a, b));
                assertSame(fn.apiName() + " broadcast", () -> ElementwiseConformance.binary(fn, column, row));
            }
        }
    }

    @Test
    void whereAndFillAreTheReferences() {
        try (Scope scope = Scope.open()) {
            Tensor a = Generators.tensor(7, DType.F64, EXTREMES, CONTIGUOUS, 5, 40_003), b = Generators.tensor(8, DType.F64, EXTREMES, STRIDED, 5, 40_003);
            Tensor mask = Generators.tensor(9, DType.BOOL, EXTREMES, TRANSPOSED, 5, 40_003), column = Generators.tensor(10, DType.BOOL, 5, 1);
            assertSame("where", () -> Ops.where(mask, a, b));
            assertSame("where by a broadcast condition", () -> Ops.where(column, a, b));
            assertSame("full", () -> Tensor.full(-0.0, DType.F64, 3, 70_001));
        }
    }

    @Test
    void castsBothWaysAreTheReferences() {
        // 1 + 2^-8 + 2^-30 rounds to F32 onto BF16's midpoint 1 + 2^-8, then to even, 1; once from the double, up
        // and integers past F32's 24 bits, which a cast to an integer type must not round through F32
        double[] midpoints = {1 + 0x1p-8 + 0x1p-30, -(1 + 0x1p-8 + 0x1p-30), 1 + 0x1p-11 + 0x1p-30, 0x1p-149 * 1.5, 0x1p128 * (1 - 0x1p-30), 3e300,
            0x1p40 + 1, -(0x1p30 + 3), 16777217.75};
        try (Scope scope = Scope.open()) {
            Tensor corners = Tensor.of(midpoints, midpoints.length);
            Tensor many = Generators.tensor(11, DType.F64, EXTREMES, CONTIGUOUS, 3, 70_001);
            Tensor view = Generators.tensor(12, DType.F64, EXTREMES, TRANSPOSED, 33, 17);
            for (DType to : DType.values()) {
                if (to == DType.F64 || to.isFp8()) {
                    continue;
                }
                assertSame("cast F64->" + to + " of midpoints", () -> corners.to(to));
                assertSame("cast F64->" + to, () -> many.to(to));
                assertSame("cast F64->" + to + " of a transpose", () -> view.to(to));
            }
            for (DType from : DType.values()) {
                if (from == DType.F64) {
                    continue;
                }
                Tensor x = Generators.tensor(13, from, EXTREMES, STRIDED, 3, 70_001);
                assertSame("cast " + from + "->F64", () -> x.to(DType.F64));
            }
            for (DType from : new DType[] {DType.I64, DType.I32, DType.I16, DType.I8, DType.U8}) {
                Tensor edges = Generators.integers(14, from, 33, 9).transpose(0, 1);
                assertSame("cast " + from + "->F64 at its edges", () -> edges.to(DType.F64));
            }
        }
    }

    @Test
    void reductionsAndRunningSumsAreTheReferences() {
        try (Scope scope = Scope.open()) {
            Tensor rows = Generators.tensor(15, DType.F64, EXTREMES, CONTIGUOUS, 7, 9001);
            Tensor plain = Generators.tensor(16, DType.F64, PLAIN, STRIDED, 300, 257);
            Tensor view = Generators.tensor(17, DType.F64, EXTREMES, TRANSPOSED, 3, 33, 17);
            for (Tensor x : new Tensor[] {rows, plain, view}) {
                String shape = x.shape().toString();
                assertSame("sum " + shape, () -> Ops.sum(x, -1));
                assertSame("sum down " + shape, () -> Ops.sum(x, 0));
                assertSame("sum of all " + shape, () -> Ops.sum(x));
                assertSame("mean " + shape, () -> Ops.mean(x, -1));
                assertSame("var " + shape, () -> Ops.var(x, new int[] {-1}, 1, false));
                assertSame("var of all " + shape, () -> Ops.var(x));
                assertSame("max " + shape, () -> Ops.max(x, 0));
                assertSame("min " + shape, () -> Ops.min(x, -1));
                assertSame("argmax " + shape, () -> Ops.argmax(x, -1, false));
                assertSame("argmax down " + shape, () -> Ops.argmax(x, 0, true));
                assertSame("cumsum " + shape, () -> Ops.cumsum(x, -1));
                assertSame("cumsum down " + shape, () -> Ops.cumsum(x, 0));
            }
        }
    }

    private static void assertSame(String context, Supplier<Tensor> op) {
        Tensor expected = Backends.using(Backends.get("reference"), op);
        Tensor actual = Backends.using(Backends.get("cpu"), op);
        TensorAssert.assertExact(context, expected, actual);
    }
}
