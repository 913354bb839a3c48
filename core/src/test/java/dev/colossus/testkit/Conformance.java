package dev.colossus.testkit;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.spi.Backend;
import dev.colossus.testkit.Generators.Layout;
import dev.colossus.testkit.Generators.Values;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * What every family of {@link BackendConformanceTest} shares: the backend under test and its oracle (the
 * reference), and the comparison of one op's results on both over the same inputs, with the dtype's
 * {@link Tolerance}. Inputs are made on the host and moved to the backend's device, results moved back.
 */
public interface Conformance {
    List<DType> FLOATS = List.of(DType.F32, DType.F16, DType.BF16, DType.F64);

    /** The backend under test. */
    Backend backend();

    /** What the backend is compared with: the reference, unless a subclass tests the reference itself. */
    default Backend oracle() {
        return Backends.get("reference");
    }

    /**
     * Whether the backend under test is expected to compute these ops: {@code "gather"} (gathers and
     * scatters), {@code "cumsum"}, {@code "topk"}, a {@code UnaryFn}/{@code BinaryFn}'s API name, or a
     * dtype's name (ops on that dtype).
     * True unless the backend's test says otherwise (a GPU backend whose kernels for them have not run
     * on a GPU yet and are off its default path); tests of ops it does not compute are skipped.
     */
    default boolean computes(String ops) {
        return true;
    }

    /**
     * Whether the backend under test is expected to compute topk (sort and argsort being topk with k the
     * line's length) of {@code k} values of lines of {@code length} values of {@code dtype}: as
     * {@link #computes} says of "topk" and of the dtype, unless the backend's kernels take fewer cases.
     */
    default boolean computesTopk(DType dtype, long length, long k) {
        return computes("topk") && computes(dtype.name());
    }

    enum Comparison { EXACT, CLOSE, RELATIVE_L2 }

    /** Runs {@code op} on the oracle and on the backend over {@code inputs} and compares the results. */
    default void check(String context, Comparison comparison, Function<Tensor[], Tensor> op, Tensor... inputs) {
        try (Scope scope = Scope.open()) {
            Tensor expected = Backends.using(oracle(), () -> op.apply(inputs));
            Tensor[] moved = Arrays.stream(inputs).map(t -> t.to(backend().device())).toArray(Tensor[]::new);
            Tensor actual = Backends.using(backend(), () -> op.apply(moved)).to(Device.CPU);
            String where = backend().name() + " " + context + " on " + describe(inputs);
            switch (comparison) {
                case EXACT -> TensorAssert.assertExact(where, expected, actual);
                case CLOSE -> TensorAssert.assertClose(where, expected, actual, Tolerance.of(expected.dtype()));
                case RELATIVE_L2 -> TensorAssert.assertRelativeL2(where, expected, actual, Tolerance.of(expected.dtype()));
            }
        }
    }

    /** As {@link #check} for a sum-like reduction, allowing for cancellation in proportion to {@code absSums}. */
    default void checkSum(String context, Function<Tensor, Tensor> op, Function<Tensor, Tensor> absSums, Tensor input) {
        try (Scope scope = Scope.open()) {
            Tensor expected = Backends.using(oracle(), () -> op.apply(input));
            Tensor magnitudes = Backends.using(oracle(), () -> absSums.apply(input));
            Tensor moved = input.to(backend().device());
            Tensor actual = Backends.using(backend(), () -> op.apply(moved)).to(Device.CPU);
            TensorAssert.assertSumClose(backend().name() + " " + context + " on " + describe(input), expected, actual,
                    magnitudes, Tolerance.of(expected.dtype()));
        }
    }

    static String describe(Tensor... inputs) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : inputs) {
            sb.append(sb.isEmpty() ? "" : ", ").append(t.shape()).append(' ').append(t.dtype())
                    .append(" strides ").append(Arrays.toString(t.strides()));
        }
        return sb.toString();
    }

    static Tensor tensor(long seed, DType dtype, Values values, Layout layout, long... shape) {
        return Generators.tensor(seed, dtype, values, layout, shape);
    }
}
