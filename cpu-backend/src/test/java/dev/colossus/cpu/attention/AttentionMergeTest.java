package dev.colossus.cpu.attention;

import dev.colossus.AttentionOptions;
import dev.colossus.AttentionResult;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the log-sum-exp is for: attention over two blocks of keys, merged by their log-sum-exps,
 * <pre>
 *   lse = log(exp(lse_1) + exp(lse_2)),  out = exp(lse_1 - lse) out_1 + exp(lse_2 - lse) out_2
 * </pre>
 * is attention over all the keys, for the tiled prefill kernel and for decode with its keys split.
 */
class AttentionMergeTest {
    @ParameterizedTest
    @CsvSource({"F32, 33, 300", "BF16, 33, 300", "F32, 1, 3000", "BF16, 2, 3000"})
    void attentionOverTwoBlocksOfKeysMergesByLogSumExp(DType dtype, long queries, long keys) {
        try (Scope scope = Scope.open()) {
            Tensor q = Generators.tensor(1, dtype, 2, 4, queries, 64);
            Tensor k = Generators.tensor(2, dtype, 2, 2, keys, 64);
            Tensor v = Generators.tensor(3, dtype, 2, 2, keys, 48);
            long split = keys / 3;
            AttentionOptions options = AttentionOptions.defaults();
            AttentionResult all = Ops.scaledDotProductAttentionWithLogSumExp(q, k, v, options);
            AttentionResult first = Ops.scaledDotProductAttentionWithLogSumExp(q, k.narrow(2, 0, split), v.narrow(2, 0, split), options);
            AttentionResult second = Ops.scaledDotProductAttentionWithLogSumExp(q, k.narrow(2, split, keys - split),
                    v.narrow(2, split, keys - split), options);

            Tensor top = Ops.maximum(first.logSumExp(), second.logSumExp());
            Tensor lse = Ops.add(top, Ops.log(Ops.add(Ops.exp(Ops.sub(first.logSumExp(), top)), Ops.exp(Ops.sub(second.logSumExp(), top)))));
            Tensor out = Ops.add(Ops.mul(first.out().to(DType.F32), Ops.exp(Ops.sub(first.logSumExp(), lse)).unsqueeze(3)),
                    Ops.mul(second.out().to(DType.F32), Ops.exp(Ops.sub(second.logSumExp(), lse)).unsqueeze(3)));

            TensorAssert.assertClose("merged log-sum-exp", all.logSumExp(), lse, Tolerance.of(DType.F32));
            TensorAssert.assertRelativeL2("merged attention", all.out().to(DType.F32), out, Tolerance.of(dtype));
        }
    }
}
