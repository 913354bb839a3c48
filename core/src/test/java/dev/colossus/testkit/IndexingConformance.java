package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;
import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.OFFSET;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators.Layout;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * indexSelect, embedding, gather, scatterAdd, indexCopy; cat, stack, split, chunk; copyFrom and fill
 * into views: odd sizes (1..33), strided and transposed operands, every dtype, corner values, and the
 * errors each gives for an index out of range.
 */
public interface IndexingConformance extends Conformance {
    /** n indices in {@code [0, bound)}, I32 or I64, from {@code seed}; strided when asked. */
    static Tensor indices(long seed, DType dtype, long bound, boolean strided, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        long[] values = new long[(int) count * (strided ? 2 : 1)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextLong(bound);
        }
        try (Scope scope = Scope.open()) {
            Tensor flat = Tensor.of(values, values.length).to(dtype);
            Tensor picked = strided ? flat.slice(0, 0, values.length, 2) : flat;
            return scope.keep(picked.reshape(shape));
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void indexSelectEveryDimensionAndLayout(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        assumeTrue(computes("gather"), "gather: no kernels on this backend's default path");
        long seed = 1;
        for (int n = 1; n <= 33; n += 4) {
            for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, OFFSET, HEAP)) {
                Tensor x = tensor(seed++, dtype, EXTREMES, layout, 3, n, 5);
                for (int dim = 0; dim < 3; dim++) {
                    int d = dim;
                    for (DType indexType : List.of(DType.I32, DType.I64)) {
                        Tensor idx = indices(seed++, indexType, x.size(d), layout == STRIDED, n % 7 + 1);
                        check("indexSelect dim " + d, Comparison.EXACT, t -> Ops.indexSelect(t[0], d, t[1]), x, idx);
                    }
                }
            }
        }
        Tensor x = tensor(seed, dtype, PLAIN, CONTIGUOUS, 4, 6);
        check("indexSelect 0-D index", Comparison.EXACT, t -> Ops.indexSelect(t[0], 1, t[1]), x, Tensor.scalar(5, DType.I64));
        check("indexSelect no index", Comparison.EXACT, t -> Ops.indexSelect(t[0], 0, t[1]), x, Tensor.of(new long[0], 0));
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F16", "F64"})
    default void embeddingOfLongRowsAndRepeatedIds(DType dtype) {
        assumeTrue(computes("gather"), "gather: no kernels on this backend's default path");
        for (long d : new long[] {1, 7, 64, 129, 1000}) {
            Tensor weight = tensor(d, dtype, PLAIN, CONTIGUOUS, 50, d);
            Tensor ids = indices(d + 1, DType.I32, 50, false, 3, 11);
            check("embedding", Comparison.EXACT, t -> Ops.embedding(t[0], t[1]), weight, ids);
            check("embedding repeated", Comparison.EXACT, t -> Ops.embedding(t[0], t[1]), weight, Tensor.of(new long[] {7, 7, 0, 49, 7}, 5));
        }
        // rows of odd bytes past the last vector, and enough of them for several tasks, whose bounds fall between groups of four
        Tensor wide = tensor(2, dtype, PLAIN, CONTIGUOUS, 60, 3001);
        check("embedding of many long rows", Comparison.EXACT, t -> Ops.embedding(t[0], t[1]), wide, indices(5, DType.I64, 60, false, 67));
        Tensor transposed = tensor(3, dtype, PLAIN, TRANSPOSED, 40, 33);
        check("embedding of a transposed table", Comparison.EXACT, t -> Ops.embedding(t[0], t[1]), transposed,
                indices(4, DType.I64, 40, true, 2, 2, 3));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void gatherAsTorchDoes(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        assumeTrue(computes("gather"), "gather: no kernels on this backend's default path");
        long seed = 11;
        for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, STRIDED, HEAP)) {
            Tensor x = tensor(seed++, dtype, EXTREMES, layout, 5, 9, 4);
            for (int dim = 0; dim < 3; dim++) {
                int d = dim;
                Tensor idx = indices(seed++, DType.I64, x.size(d), layout == STRIDED, d == 0 ? 7 : 3, d == 1 ? 12 : 9, 4);
                check("gather dim " + d, Comparison.EXACT, t -> Ops.gather(t[0], d, t[1]), x, idx);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F64", "I32", "I64", "BF16"})
    default void scatterAddSumsRepeatedIndices(DType dtype) {
        assumeTrue(computes("gather"), "gather: no kernels on this backend's default path");
        long seed = 21;
        for (int dim = 0; dim < 2; dim++) {
            int d = dim;
            Tensor x = tensor(seed++, dtype, PLAIN, CONTIGUOUS, 6, 8);
            Tensor src = tensor(seed++, dtype, PLAIN, TRANSPOSED, 9, 10);
            // Few targets, many sources: every target is hit several times.
            Tensor idx = indices(seed++, DType.I64, 3, false, 9, d == 0 ? 8 : 10);
            Tensor index = d == 0 ? idx : idx.narrow(0, 0, 6);
            Comparison comparison = dtype.isFloatingPoint() ? Comparison.CLOSE : Comparison.EXACT;
            check("scatterAdd dim " + d, comparison, t -> Ops.scatterAdd(t[0], d, t[1], t[2]), x, index, src);
        }
    }

    /**
     * gather along each dimension with an index of out's full size, indexSelect along the last
     * dimension (slabs of one element), scatterAdd and indexCopy over 100K-600K elements: enough for a
     * backend splitting them across threads to cut runs mid-way, with every scatterAdd target hit by
     * about three sources, some in one task and some in others.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F16", "F64", "I32", "I64", "I16", "I8", "U8", "BOOL"})
    default void gatherAndScatterLargerThanATask(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        assumeTrue(computes("gather"), "gather: no kernels on this backend's default path");
        Tensor x = tensor(41, dtype, EXTREMES, TRANSPOSED, 67, 1031);
        for (int dim = 0; dim < 2; dim++) {
            int d = dim;
            Tensor idx = indices(42 + d, d == 0 ? DType.I64 : DType.I32, x.size(d), d == 1, 67, 1031);
            check("gather dim " + d + " of a full-size index", Comparison.EXACT, t -> Ops.gather(t[0], d, t[1]), x, idx);
        }
        check("indexSelect along the last dim", Comparison.EXACT, t -> Ops.indexSelect(t[0], 1, t[1]),
                tensor(44, dtype, EXTREMES, STRIDED, 300, 517), indices(45, DType.I32, 517, false, 600));
        Tensor cache = tensor(46, dtype, EXTREMES, CONTIGUOUS, 4, 300, 64);
        Tensor positions = Tensor.of(new SplittableRandom(47).longs(0, 300).distinct().limit(100).toArray(), 100);
        check("indexCopy of 100 rows", Comparison.EXACT, t -> Ops.indexCopy(t[0], 1, t[1], t[2]), cache, positions,
                tensor(48, dtype, EXTREMES, OFFSET, 4, 100, 64));
        if (dtype == DType.BOOL || dtype.isHalf()) {
            // A 16-bit sum rounded after each addition drifts from an F64 oracle's past the tolerance.
            return;
        }
        Comparison comparison = dtype.isFloatingPoint() ? Comparison.CLOSE : Comparison.EXACT;
        check("scatterAdd dim 0", comparison, t -> Ops.scatterAdd(t[0], 0, t[1], t[2]), tensor(49, dtype, PLAIN, CONTIGUOUS, 40, 1031),
                indices(50, DType.I64, 40, false, 120, 1031), tensor(51, dtype, PLAIN, TRANSPOSED, 120, 1031));
        check("scatterAdd dim 1", comparison, t -> Ops.scatterAdd(t[0], 1, t[1], t[2]), tensor(52, dtype, PLAIN, OFFSET, 67, 300),
                indices(53, DType.I32, 300, true, 67, 900), tensor(54, dtype, PLAIN, CONTIGUOUS, 67, 900));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void indexCopyIntoACacheView(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        assumeTrue(computes("gather"), "gather: no kernels on this backend's default path");
        Tensor cache = tensor(31, dtype, EXTREMES, CONTIGUOUS, 2, 3, 16, 5);
        Tensor rows = tensor(32, dtype, EXTREMES, STRIDED, 2, 3, 4, 5);
        Tensor positions = Tensor.of(new long[] {9, 2, 15, 0}, 4);
        check("indexCopy", Comparison.EXACT, t -> Ops.indexCopy(t[0], 2, t[1], t[2]), cache, positions, rows);
        check("indexCopy in place", Comparison.EXACT, t -> {
            Tensor copy = t[0].copy();
            copy.indexCopy(2, t[1], t[2]);
            return copy;
        }, cache, positions.to(DType.I32), rows);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void catAndStackOfOddParts(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        for (int dim = 0; dim < 3; dim++) {
            int d = dim;
            long[] a = {2, 3, 5}, b = {2, 3, 5};
            a[d] = 1;
            b[d] = 33;
            check("cat dim " + d, Comparison.EXACT, t -> Ops.cat(d, t[0], t[1], t[2]),
                    tensor(d, dtype, EXTREMES, TRANSPOSED, a), tensor(d + 10, dtype, EXTREMES, STRIDED, b),
                    tensor(d + 20, dtype, EXTREMES, CONTIGUOUS, a));
        }
        check("cat of one", Comparison.EXACT, t -> Ops.cat(-1, t[0]), tensor(4, dtype, PLAIN, STRIDED, 3, 7));
        for (int dim = -4; dim <= 3; dim++) {
            int d = dim;
            check("stack dim " + d, Comparison.EXACT, t -> Ops.stack(d, t[0], t[1]),
                    tensor(5, dtype, EXTREMES, TRANSPOSED, 4, 3, 9), tensor(6, dtype, EXTREMES, OFFSET, 4, 3, 9));
        }
    }

    /**
     * Joins of 300K to 600K elements, so that a backend splitting out's bytes across threads cuts
     * rows and slabs mid-way: parts offset in their storage, strided before the axis, empty.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "BF16", "I8", "BOOL"})
    default void catAndStackLargerThanATask(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        check("cat along the middle dim", Comparison.EXACT, t -> Ops.cat(1, t[0], t[1].narrow(1, 0, 0), t[2].slice(0, 1, 10, 2)),
                tensor(30, dtype, EXTREMES, CONTIGUOUS, 5, 17, 3001), tensor(31, dtype, EXTREMES, OFFSET, 5, 3, 3001),
                tensor(32, dtype, EXTREMES, OFFSET, 10, 23, 3001));
        check("cat along the last dim", Comparison.EXACT, t -> Ops.cat(-1, t[0], t[1]),
                tensor(33, dtype, EXTREMES, OFFSET, 67, 13, 517), tensor(34, dtype, EXTREMES, CONTIGUOUS, 67, 13, 3));
        check("cat along the first dim", Comparison.EXACT, t -> Ops.cat(0, t[0], t[1]),
                tensor(35, dtype, EXTREMES, CONTIGUOUS, 301, 1003), tensor(36, dtype, EXTREMES, OFFSET, 7, 1003));
        check("stack in the middle", Comparison.EXACT, t -> Ops.stack(1, t[0], t[1], t[2]),
                tensor(37, dtype, EXTREMES, OFFSET, 41, 3001), tensor(38, dtype, EXTREMES, CONTIGUOUS, 41, 3001),
                tensor(39, dtype, EXTREMES, OFFSET, 41, 3001));
    }

    @Test
    default void splitAndChunkAreViewsThatCatUndoes() {
        try (Scope scope = Scope.open()) {
            Tensor x = tensor(7, DType.F32, PLAIN, CONTIGUOUS, 4, 10).to(backend().device());
            List<Tensor> pieces = x.split(1, 3, 0, 7);
            assertEquals(List.of(3L, 0L, 7L), pieces.stream().map(p -> p.size(1)).toList());
            TensorAssert.assertExact("split then cat", x.to(Device.CPU), Ops.cat(1, pieces.toArray(Tensor[]::new)).to(Device.CPU));
            assertEquals(List.of(3L, 3L, 3L, 1L), x.chunk(4, 1).stream().map(p -> p.size(1)).toList());
            assertEquals(List.of(4L, 4L, 2L), x.chunk(3, -1).stream().map(p -> p.size(1)).toList());
            assertEquals(List.of(1L, 1L, 1L, 1L), x.chunk(9, 0).stream().map(p -> p.size(0)).toList());
            pieces.get(2).fill(3);
            assertEquals(3.0, x.to(Device.CPU).toDoubleArray()[9]);
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void copyFromBroadcastsCastsAndWritesOnlyTheView(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        Tensor cache = tensor(41, dtype, EXTREMES, CONTIGUOUS, 2, 4, 13, 6);
        Tensor k = tensor(42, DType.F32, EXTREMES, TRANSPOSED, 2, 4, 3, 6);
        check("KV cache step", Comparison.EXACT, t -> {
            Tensor copy = t[0].copy();
            copy.narrow(2, 5, 3).copyFrom(t[1]);
            return copy;
        }, cache, k);
        check("copyFrom broadcast row into strided view", Comparison.EXACT, t -> {
            Tensor copy = t[0].copy();
            copy.slice(3, 1, 6, 2).copyFrom(t[1]);
            return copy;
        }, cache, tensor(43, dtype, EXTREMES, CONTIGUOUS, 3));
        check("fill of a transposed view", Comparison.EXACT, t -> {
            Tensor copy = t[0].copy();
            copy.transpose(1, 3).narrow(0, 1, 1).fill(-2.5);
            return copy;
        }, cache);
    }

    /** Overlapping source and destination: the result is as if the source had been read first. */
    @Test
    default void copyFromAnOverlappingSourceReadsItFirst() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.arange(0, 10, 1, DType.F32).to(backend().device());
            x.narrow(0, 1, 9).copyFrom(x.narrow(0, 0, 9));
            assertEquals(List.of(0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0), toList(x));
            Tensor y = Tensor.arange(0, 6, 1, DType.F32).to(backend().device()).view(2, 3);
            Tensor square = Tensor.arange(0, 9, 1, DType.I64).to(backend().device()).view(3, 3);
            square.copyFrom(square.transpose(0, 1));
            assertEquals(List.of(0.0, 3.0, 6.0, 1.0, 4.0, 7.0, 2.0, 5.0, 8.0), toList(square));
            y.narrow(1, 0, 2).copyFrom(y.narrow(1, 1, 2));
            assertEquals(List.of(1.0, 2.0, 2.0, 4.0, 5.0, 5.0), toList(y));
        }
    }

    private static List<Double> toList(Tensor t) {
        return java.util.Arrays.stream(t.to(Device.CPU).toDoubleArray()).boxed().toList();
    }

    @Test
    default void indicesOutOfRangeAreRefusedBeforeAnythingIsWritten() {
        assumeTrue(computes("gather"), "gather: no kernels on this backend's default path");
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.arange(0, 12, 1, DType.F32).to(backend().device()).view(3, 4);
            Tensor bad = Tensor.of(new long[] {0, 2, 3, -1}, 4).to(backend().device());
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Ops.indexSelect(x, 0, bad));
            assertTrue(e.getMessage().contains("index -1 at position [3]") && e.getMessage().contains("size 3"), e.getMessage());
            Tensor tooBig = Tensor.of(new int[] {1, 4}, 2).to(backend().device());
            e = assertThrows(IndexOutOfBoundsException.class, () -> Ops.embedding(x, tooBig));
            assertTrue(e.getMessage().startsWith("embedding: index 4 at position [1]"), e.getMessage());
            Tensor cache = Tensor.zeros(DType.F32, 3, 4).to(backend().device());
            Tensor rows = Tensor.ones(DType.F32, 2, 4).to(backend().device());
            e = assertThrows(IndexOutOfBoundsException.class,
                    () -> cache.indexCopy(0, Tensor.of(new long[] {1, 3}, 2).to(backend().device()), rows));
            assertTrue(e.getMessage().contains("index 3"), e.getMessage());
            assertEquals(0.0, Ops.sum(cache).item(), "nothing written");
            IllegalArgumentException repeated = assertThrows(IllegalArgumentException.class,
                    () -> cache.indexCopy(0, Tensor.of(new long[] {1, 1}, 2).to(backend().device()), rows));
            assertTrue(repeated.getMessage().contains("index 1 appears more than once"), repeated.getMessage());
            Tensor gatherIndex = Tensor.of(new long[] {0, 1, 2, 3, 4, 0}, 2, 3).to(backend().device());
            e = assertThrows(IndexOutOfBoundsException.class, () -> Ops.gather(x, 1, gatherIndex));
            assertTrue(e.getMessage().contains("index 4 at position [1, 1]"), e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> Ops.scatterAdd(x, 0, gatherIndex, x));
            assertTrue(e.getMessage().startsWith("scatterAdd: index 4 at position [1, 1]"), e.getMessage());
        }
    }
}
