package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;
import static dev.colossus.testkit.Generators.integers;

import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
import static dev.colossus.testkit.Generators.Layout.HEAP;
import static dev.colossus.testkit.Generators.Layout.STRIDED;
import static dev.colossus.testkit.Generators.Layout.TRANSPOSED;
import static dev.colossus.testkit.Generators.Values.EXTREMES;
import static dev.colossus.testkit.Generators.Values.PLAIN;
import static dev.colossus.testkit.Generators.Values.SPECIALS;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.DType;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators.Layout;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Casts between every pair of dtypes, copies of every layout, fill and arange. */
public interface CopyConformance extends Conformance {
    @Test
    default void castsBetweenEveryPairOfDTypes() {
        List<DType> computed = Arrays.stream(DType.values()).filter(d -> computes(d.name())).toList();
        for (DType from : computed) {
            for (DType to : computed) {
                for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED, HEAP)) {
                    check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to),
                            tensor(from.ordinal(), from, EXTREMES, layout, 9, 33));
                }
            }
        }
    }

    /**
     * Integers at the edges of their types (least and greatest values, I64s that F32 rounds twice
     * through double) into every dtype, contiguous, transposed and over several blocks for every thread.
     */
    @ParameterizedTest
    @EnumSource(names = {"I64", "I32", "I16", "I8", "U8"})
    default void castsOfIntegersAtTheirEdges(DType from) {
        assumeTrue(computes(from.name()), from + ": no kernels on this backend");
        for (DType to : Arrays.stream(DType.values()).filter(d -> computes(d.name())).toList()) {
            check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to), integers(from.ordinal(), from, 9, 33));
            check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to), integers(from.ordinal(), from, 33, 9).transpose(0, 1));
            check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to), integers(from.ordinal(), from, 70_001));
        }
    }

    @Test
    default void castsOfLargeTensors() {
        for (DType from : FLOATS) {
            for (DType to : FLOATS) {
                check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to), tensor(1, from, SPECIALS, STRIDED, 70_001));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void contiguousCopiesOfEveryLayout(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        for (Layout layout : Layout.values()) {
            check("contiguous", Comparison.EXACT, t -> t[0].contiguous(), tensor(4, dtype, EXTREMES, layout, 3, 5, 33));
        }
        check("permuted contiguous", Comparison.EXACT, t -> t[0].permute(2, 0, 1).contiguous(),
                tensor(5, dtype, PLAIN, CONTIGUOUS, 30, 40, 50));
        // Longer than a tile of a tiled transpose (64) on both sides, with tails; a broadcast dimension and an offset; a view written.
        check("transposed contiguous", Comparison.EXACT, t -> t[0].transpose(0, 1).contiguous(), tensor(6, dtype, EXTREMES, CONTIGUOUS, 70, 131));
        check("permuted, broadcast and offset", Comparison.EXACT,
                t -> t[0].narrow(1, 3, 67).unsqueeze(0).expand(2, 70, 67).permute(2, 0, 1).contiguous(),
                tensor(7, dtype, EXTREMES, CONTIGUOUS, 70, 131));
        check("a column broadcast along rows", Comparison.EXACT, t -> t[0].narrow(1, 5, 1).expand(70, 131).contiguous(),
                tensor(9, dtype, EXTREMES, CONTIGUOUS, 70, 131));
        check("a column broadcast along rows, with a new leading dim", Comparison.EXACT,
                t -> t[0].narrow(1, 2, 1).unsqueeze(0).expand(3, 33, 45).contiguous(), tensor(10, dtype, EXTREMES, TRANSPOSED, 33, 7));
        check("transposed, empty", Comparison.EXACT, t -> {
            try (Tensor empty = Tensor.zeros(dtype, 0, 70, 131); Tensor transposed = empty.transpose(1, 2)) {
                return transposed.contiguous();
            }
        });
        check("transposed into a view", Comparison.EXACT, t -> {
            Tensor whole = Tensor.zeros(dtype, 140, 80);
            try (Tensor rows = whole.narrow(0, 2, 131); Tensor view = rows.narrow(1, 4, 70); Tensor src = t[0].transpose(0, 1)) {
                view.copyFrom(src);
            }
            return whole;
        }, tensor(8, dtype, EXTREMES, CONTIGUOUS, 70, 131));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    default void fillAndArange(DType dtype) {
        assumeTrue(computes(dtype.name()), dtype + ": no kernels on this backend");
        check("full", Comparison.EXACT, t -> Tensor.full(1.5, dtype, 3, 33));
        check("ones", Comparison.EXACT, t -> Tensor.ones(dtype, 70_000));
        check("arange", Comparison.EXACT, t -> Tensor.arange(-3, 30, 0.5, dtype));
    }
}
