package dev.colossus.cpu.indexing;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.IndexingConformance;
import dev.colossus.testkit.TensorAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CPU's scatterAdd sums the elements sent to one place in the reference's order, each addition
 * rounded to the dtype: bit for bit the reference's result, where the shared conformance suite only
 * asks for closeness (a GPU's atomics add in any order). The shapes span several tasks along and
 * across the axis, and every place is hit by three sources on average.
 */
class CpuScatterTest {
    @ParameterizedTest
    @EnumSource(names = {"F32", "BF16", "F16", "F64"})
    void scatterAddSumsInTheReferencesOrder(DType dtype) {
        try (Scope scope = Scope.open()) {
            Tensor x = Generators.tensor(1, dtype, 40, 1031), src = Generators.tensor(2, dtype, 120, 1031);
            Tensor rows = IndexingConformance.indices(3, DType.I64, 40, false, 120, 1031);
            Tensor wide = Generators.tensor(4, dtype, 67, 300), many = Generators.tensor(5, dtype, 67, 900);
            Tensor columns = IndexingConformance.indices(6, DType.I32, 300, false, 67, 900);
            for (int dim = 0; dim < 2; dim++) {
                int d = dim;
                Tensor[] args = d == 0 ? new Tensor[] {x, rows, src} : new Tensor[] {wide, columns, many};
                Tensor expected = Backends.using(Backends.get("reference"), () -> Ops.scatterAdd(args[0], d, args[1], args[2]));
                Tensor actual = Backends.using(Backends.get("cpu"), () -> Ops.scatterAdd(args[0], d, args[1], args[2]));
                TensorAssert.assertExact("scatterAdd " + dtype + " along " + d, expected, actual);
            }
        }
    }
}
