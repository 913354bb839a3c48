package dev.colossus.testkit;

import static dev.colossus.testkit.Conformance.tensor;

import static dev.colossus.testkit.Generators.Layout.CONTIGUOUS;
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
                for (Layout layout : List.of(CONTIGUOUS, TRANSPOSED)) {
                    check("cast " + from + "->" + to, Comparison.EXACT, t -> t[0].to(to),
                            tensor(from.ordinal(), from, EXTREMES, layout, 9, 33));
                }
            }
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
