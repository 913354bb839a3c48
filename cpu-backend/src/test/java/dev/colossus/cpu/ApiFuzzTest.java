package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.UnaryFn;
import dev.colossus.spi.Backend;
import dev.colossus.testkit.ElementwiseConformance;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.Generators.Values;
import dev.colossus.testkit.RecordingBackend;
import dev.colossus.testkit.SuiteLength;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property-based fuzzing of the public API, the CPU backend against the reference: each case draws
 * an op, a dtype, shapes of 0 to 9 along up to four dimensions (one in four up to 70, at most 20,000
 * elements), views of them (transposed, permuted, every other element, offset, broadcast, sliced with
 * steps) and values (plain, or with NaN, ±0, ±Inf and subnormals), and, one case in five, a bad
 * argument (shapes or dtypes that do not fit, a dimension out of range, a closed tensor, a bad eps).
 * The property: the result equals the reference's within the dtype's {@link Tolerance} (sums and
 * products, whose terms may cancel, within the slack of a sum of their magnitudes), or the op throws
 * {@link IllegalArgumentException}, {@link IllegalStateException} or {@link NullPointerException} whose
 * message starts with its name; and every storage the op allocated is freed once its scope closes.
 * Never another exception, a crash or a hang.
 *
 * <p>Hand-rolled on JUnit rather than on jqwik: its current release says in its output that it is not
 * to be used by AI agents, and it is built for JUnit Platform 1, not this project's 6. Case {@code i}
 * draws from seed {@code BASE + i}; a failure names it, and {@code -Dcolossus.test.seed=S} runs that
 * case alone. {@code -Dcolossus.test.long=true} runs 5 million cases instead of 100,000 (about five
 * minutes on two cores).
 */
@Tag("suite")
class ApiFuzzTest {
    private static final long BASE = 0x5EED_0000L;
    private static final Backend REFERENCE = Backends.get("reference");
    private static final List<DType> FLOATS = List.of(DType.F32, DType.F16, DType.BF16, DType.F64);

    /** How a case's result is compared with the reference's. */
    private enum Check { CLOSE, RELATIVE_L2, EXACT, SUM }

    /**
     * One drawn case: the op's name (which a refusal must start with), what it runs on which inputs, how
     * the result is checked (for sums, against the sums of magnitudes), and whether the arguments are bad.
     */
    private record Case(String name, String description, Function<Tensor[], Tensor> op, Tensor[] inputs, Check check, boolean bad,
            Function<Tensor[], Tensor> magnitudes) {
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void everyDrawnCaseMatchesTheReferenceOrIsRefusedByNameAndLeaksNothing() {
        Long only = Long.getLong("colossus.test.seed");
        int cases = only != null ? 1 : SuiteLength.of(100_000, 5_000_000);
        for (int i = 0; i < cases; i++) {
            long seed = only != null ? only : BASE + i;
            try {
                run(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("fuzz case with seed " + seed + " (-Dcolossus.test.seed=" + seed + "): " + e.getMessage(), e);
            }
        }
    }

    private static void run(long seed) {
        RecordingBackend cpu = new RecordingBackend(Backends.get("cpu"));
        try (Scope scope = Scope.open()) {
            Case c = draw(new SplittableRandom(seed));
            Tensor actual;
            try {
                actual = Backends.using(cpu, () -> c.op().apply(c.inputs()));
            } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
                if (!c.bad()) {
                    throw new AssertionError(c.description() + ": refused valid arguments: " + e, e);
                }
                if (e.getMessage() == null || !e.getMessage().startsWith(c.name() + ":")) {
                    throw new AssertionError(c.description() + ": the message does not start with " + c.name() + ": " + e.getMessage(),
                            e);
                }
                return;
            }
            if (c.bad()) {
                throw new AssertionError(c.description() + ": bad arguments were accepted, giving " + actual);
            }
            Tensor expected = Backends.using(REFERENCE, () -> c.op().apply(c.inputs()));
            String where = c.description();
            switch (c.check()) {
                case EXACT -> TensorAssert.assertExact(where, expected, actual);
                case CLOSE -> TensorAssert.assertClose(where, expected, actual, Tolerance.of(expected.dtype()));
                case RELATIVE_L2 -> TensorAssert.assertRelativeL2(where, expected, actual, Tolerance.of(expected.dtype()));
                case SUM -> TensorAssert.assertSumClose(where, expected, actual,
                        Backends.using(REFERENCE, () -> c.magnitudes().apply(c.inputs())), Tolerance.of(expected.dtype()));
            }
        }
        assertEquals(0, cpu.liveStorages(), "storages the case allocated and did not free, of " + cpu.allocations());
    }

    // ---- drawing cases ----

    private static Case draw(SplittableRandom r) {
        boolean bad = r.nextInt(5) == 0;
        DType dtype = FLOATS.get(r.nextInt(FLOATS.size()));
        return switch (r.nextInt(11)) {
            case 0 -> unary(r, dtype, bad);
            case 1, 2 -> binary(r, dtype, bad);
            case 3 -> where(r, dtype, bad);
            case 4 -> reduction(r, dtype, bad);
            case 5 -> softmax(r, dtype, bad);
            case 6 -> norm(r, dtype, bad);
            case 7 -> matmul(r, dtype, bad);
            case 8 -> attention(r, dtype, bad);
            case 9 -> cast(r, dtype);
            default -> views(r, dtype, bad);
        };
    }

    private static final UnaryFn[] UNARY = UnaryFn.values();

    private static Case unary(SplittableRandom r, DType dtype, boolean bad) {
        UnaryFn fn = UNARY[r.nextInt(UNARY.length)];
        Tensor x = bad ? tensor(r, DType.I32, shape(r)) : tensor(r, dtype, shape(r), corners(r));
        if (bad && fn.isIntegral()) {
            x.close();
        }
        return new Case(fn.apiName(), fn.apiName() + " of " + describe(x), t -> ElementwiseConformance.unary(fn, t[0]), new Tensor[] {x}, Check.CLOSE, bad, null);
    }

    private static final String[] BINARY = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "lt", "ge"};

    private static Case binary(SplittableRandom r, DType dtype, boolean bad) {
        String name = BINARY[r.nextInt(BINARY.length)];
        long[] out = shape(r);
        Tensor a = tensor(r, dtype, bad ? out : broadcastable(r, out), corners(r));
        Tensor b = bad ? badPartner(r, dtype, out) : tensor(r, dtype, broadcastable(r, out), corners(r));
        Function<Tensor[], Tensor> op = t -> switch (name) {
            case "add" -> Ops.add(t[0], t[1]);
            case "sub" -> Ops.sub(t[0], t[1]);
            case "mul" -> Ops.mul(t[0], t[1]);
            case "div" -> Ops.div(t[0], t[1]);
            case "pow" -> Ops.pow(t[0], t[1]);
            case "maximum" -> Ops.maximum(t[0], t[1]);
            case "minimum" -> Ops.minimum(t[0], t[1]);
            case "eq" -> Ops.eq(t[0], t[1]);
            case "lt" -> Ops.lt(t[0], t[1]);
            default -> Ops.ge(t[0], t[1]);
        };
        return new Case(name, name + " of " + describe(a, b), op, new Tensor[] {a, b}, Check.CLOSE, bad, null);
    }

    private static Case where(SplittableRandom r, DType dtype, boolean bad) {
        long[] out = shape(r);
        Tensor c = tensor(r, bad && r.nextBoolean() ? dtype : DType.BOOL, bad ? out : broadcastable(r, out));
        Tensor a = tensor(r, dtype, bad ? out : broadcastable(r, out), corners(r));
        Tensor b = bad ? badPartner(r, dtype, out) : tensor(r, dtype, broadcastable(r, out), corners(r));
        return new Case("where", "where of " + describe(c, a, b), t -> Ops.where(t[0], t[1], t[2]), new Tensor[] {c, a, b}, Check.EXACT,
                bad, null);
    }

    private static Case reduction(SplittableRandom r, DType dtype, boolean bad) {
        long[] shape = shape(r);
        Tensor x = tensor(r, dtype, shape, r.nextInt(3) == 0 ? Values.SPECIALS : Values.PLAIN);
        int[] dims = dims(r, shape.length, bad);
        boolean keepdim = r.nextBoolean();
        int fn = r.nextInt(5);
        if (fn >= 2 && !bad && Arrays.stream(dims.length == 0 ? allDims(shape.length) : dims)
                .anyMatch(d -> shape[d < 0 ? d + shape.length : d] == 0)) {
            fn = 0;
        }
        String name = new String[] {"sum", "mean", "max", "min", "argmax"}[fn];
        String description = name + " over " + Arrays.toString(dims) + (keepdim ? " keepdim" : "") + " of " + describe(x);
        return switch (fn) {
            case 0 -> new Case(name, description, t -> Ops.sum(t[0], dims, keepdim), new Tensor[] {x}, Check.SUM, bad,
                    t -> Ops.sum(Ops.abs(t[0]), dims, keepdim));
            case 1 -> new Case(name, description, t -> Ops.mean(t[0], dims, keepdim), new Tensor[] {x}, Check.SUM, bad,
                    t -> Ops.mean(Ops.abs(t[0]), dims, keepdim));
            case 2 -> new Case(name, description, t -> Ops.max(t[0], dims, keepdim), new Tensor[] {x}, Check.EXACT, bad, null);
            case 3 -> new Case(name, description, t -> Ops.min(t[0], dims, keepdim), new Tensor[] {x}, Check.EXACT, bad, null);
            default -> {
                int dim = dims.length == 0 ? 0 : dims[0];
                boolean empty = shape.length == 0 || bad || shape[dim < 0 ? dim + shape.length : dim] == 0;
                yield new Case(name, "argmax over " + dim + " of " + describe(x), t -> Ops.argmax(t[0], dim, keepdim),
                        new Tensor[] {x}, Check.EXACT, bad || empty, null);
            }
        };
    }

    private static Case softmax(SplittableRandom r, DType dtype, boolean bad) {
        long[] shape = nonScalar(r);
        Tensor x = tensor(r, dtype, shape, Values.PLAIN);
        int dim = bad ? shape.length + r.nextInt(3) : r.nextInt(-shape.length, shape.length);
        boolean log = r.nextBoolean();
        String name = log ? "logSoftmax" : "softmax";
        return new Case(name, name + " over " + dim + " of " + describe(x),
                t -> log ? Ops.logSoftmax(t[0], dim) : Ops.softmax(t[0], dim), new Tensor[] {x}, Check.CLOSE, bad, null);
    }

    private static Case norm(SplittableRandom r, DType dtype, boolean bad) {
        long[] shape = nonScalar(r);
        int axes = 1 + r.nextInt(shape.length);
        long[] normalized = Arrays.copyOfRange(shape, shape.length - axes, shape.length);
        Tensor x = tensor(r, dtype, shape, Values.PLAIN);
        boolean weighted = r.nextBoolean();
        // Bad: a weight of another shape, or, without a weight, a negative eps.
        Tensor w = weighted ? tensor(r, dtype, bad ? grow(normalized) : normalized, Values.PLAIN) : null;
        double eps = bad && !weighted ? -1e-5 : 1e-5;
        Tensor residual = tensor(r, dtype, shape, Values.PLAIN);
        int kind = r.nextInt(3);
        String name = new String[] {"layerNorm", "rmsNorm", "addRmsNorm"}[kind];
        Function<Tensor[], Tensor> op = switch (kind) {
            case 0 -> t -> Ops.layerNorm(t[0], normalized, t[1], null, eps);
            case 1 -> t -> Ops.rmsNorm(t[0], normalized, t[1], eps);
            default -> t -> Ops.addRmsNorm(t[0], t[2], normalized, t[1], eps).normalized();
        };
        return new Case(name, name + " over " + Arrays.toString(normalized) + " of " + describe(x)
                + (w == null ? "" : ", weight " + describe(w)) + ", eps " + eps, op, new Tensor[] {x, w, residual}, Check.CLOSE, bad,
                null);
    }

    private static Case matmul(SplittableRandom r, DType dtype, boolean bad) {
        long m = size(r), k = r.nextInt(5) == 0 ? 0 : size(r), n = size(r);
        long[] batch = r.nextBoolean() ? new long[0] : new long[] {r.nextInt(1, 4)};
        long[] aShape = concat(r.nextBoolean() ? batch : new long[0], m, k);
        long[] bShape = concat(batch, bad ? k + 1 : k, n);
        Tensor a = tensor(r, dtype, aShape, corners(r));
        Tensor b = tensor(r, dtype, bShape, corners(r));
        boolean linear = !bad && batch.length == 0 && r.nextBoolean();
        if (linear) {
            Tensor w = b.transpose(0, 1).contiguous();
            Tensor bias = r.nextBoolean() ? null : tensor(r, dtype, new long[] {n}, Values.PLAIN);
            UnaryFn act = r.nextBoolean() ? null : UnaryFn.GELU;
            String name = act == null ? "linear" : "linear+gelu";
            return new Case(name, name + " of " + describe(a, w) + (bias == null ? "" : " + bias"),
                    t -> Ops.linear(t[0], t[1], t[2], act), new Tensor[] {a, w, bias}, Check.SUM, false,
                    t -> Ops.linear(Ops.abs(t[0]), Ops.abs(t[1]), t[2] == null ? null : Ops.abs(t[2])));
        }
        return new Case("matmul", "matmul of " + describe(a, b), t -> Ops.matmul(t[0], t[1]), new Tensor[] {a, b}, Check.SUM, bad,
                t -> Ops.matmul(Ops.abs(t[0]), Ops.abs(t[1])));
    }

    private static Case attention(SplittableRandom r, DType dtype, boolean bad) {
        long b = r.nextInt(1, 3), hkv = r.nextInt(1, 3), group = r.nextInt(1, 3), lq = size(r), lk = r.nextInt(6) == 0 ? 0 : size(r);
        long d = size(r), dv = size(r);
        Tensor q = tensor(r, dtype, new long[] {b, hkv * group, lq, d}, Values.PLAIN);
        Tensor k = tensor(r, dtype, new long[] {b, hkv, lk, bad ? d + 1 : d}, Values.PLAIN);
        Tensor v = tensor(r, dtype, new long[] {b, hkv, lk, dv}, Values.PLAIN);
        Tensor mask = switch (r.nextInt(3)) {
            case 0 -> tensor(r, DType.BOOL, new long[] {1, 1, lq, lk});
            case 1 -> tensor(r, dtype, new long[] {lq, lk}, Values.PLAIN);
            default -> null;
        };
        boolean causal = r.nextBoolean();
        AttentionOptions options = AttentionOptions.defaults().causal(causal);
        return new Case("scaledDotProductAttention", "scaledDotProductAttention of " + describe(q, k, v) + (mask == null ? "" : ", mask " + describe(mask))
                + (causal ? ", causal" : ""),
                t -> Ops.scaledDotProductAttention(t[0], t[1], t[2], t[3] == null ? options : options.mask(t[3])),
                new Tensor[] {q, k, v, mask}, Check.RELATIVE_L2, bad, null);
    }

    private static Case cast(SplittableRandom r, DType dtype) {
        DType to = DType.values()[r.nextInt(DType.values().length)];
        Tensor x = tensor(r, dtype, shape(r), corners(r));
        // Out-of-range floats into integers follow Java's casts on both backends; the corners include them.
        return new Case("to", "to(" + to + ") of " + describe(x), t -> t[0].to(to).contiguous(), new Tensor[] {x}, Check.EXACT, false, null);
    }

    /** A chain of views and a copy: what the views address must be what the reference reads. */
    private static Case views(SplittableRandom r, DType dtype, boolean bad) {
        long[] shape = nonScalar(r);
        Tensor x = tensor(r, dtype, shape, Values.PLAIN);
        int dim = bad ? shape.length + r.nextInt(2) : r.nextInt(shape.length);
        long size = bad ? 0 : shape[dim];
        long start = r.nextLong(-size - 2, size + 3), end = r.nextLong(-size - 2, size + 3), step = r.nextLong(1, 4);
        return new Case("slice", "slice(" + dim + ", " + start + ", " + end + ", " + step + ") of " + describe(x),
                t -> Ops.mul(t[0].slice(dim, start, end, step).transpose(0, -1), 2), new Tensor[] {x}, Check.EXACT, bad, null);
    }

    // ---- shapes, tensors and views ----

    /** Rank 0 to 4, sizes 0 to 9, or, one dimension in four, up to 70 (past a few vectors), at most 20000 elements. */
    private static long[] shape(SplittableRandom r) {
        long[] shape = new long[r.nextInt(0, 5)];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = r.nextInt(8) == 0 ? 0 : size(r);
        }
        return capped(shape);
    }

    private static long[] nonScalar(SplittableRandom r) {
        long[] shape = new long[r.nextInt(1, 4)];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = size(r);
        }
        return capped(shape);
    }

    /** {@code shape} with its largest sizes cut to 9 until it has at most 20000 elements. */
    private static long[] capped(long[] shape) {
        while (Arrays.stream(shape).reduce(1, (a, b) -> a * b) > 20_000) {
            int largest = 0;
            for (int i = 1; i < shape.length; i++) {
                largest = shape[i] > shape[largest] ? i : largest;
            }
            shape[largest] = 9;
        }
        return shape;
    }

    private static long size(SplittableRandom r) {
        return r.nextInt(4) == 0 ? r.nextInt(1, 71) : r.nextInt(1, 10);
    }

    /** A shape that broadcasts to {@code out}: some leading dimensions dropped, some sizes 1. */
    private static long[] broadcastable(SplittableRandom r, long[] out) {
        int drop = r.nextInt(out.length + 1);
        long[] shape = Arrays.copyOfRange(out, r.nextInt(3) == 0 ? drop : 0, out.length);
        for (int i = 0; i < shape.length; i++) {
            if (r.nextInt(4) == 0) {
                shape[i] = 1;
            }
        }
        return shape;
    }

    /**
     * A partner that cannot combine with a tensor of exactly {@code out}'s shape: another dtype, or, along a
     * dimension of {@code out} whose size is not 1, a size that does not broadcast.
     */
    private static Tensor badPartner(SplittableRandom r, DType dtype, long[] out) {
        int d = r.nextInt(out.length + 1) - 1;
        if (d < 0 || out[d] == 1) {
            return tensor(r, dtype == DType.F32 ? DType.F64 : DType.F32, out, Values.PLAIN);
        }
        long[] shape = out.clone();
        shape[d] = shape[d] + 2;
        return tensor(r, dtype, shape, Values.PLAIN);
    }

    private static int[] dims(SplittableRandom r, int rank, boolean bad) {
        if (bad) {
            return new int[] {rank + r.nextInt(3)};
        }
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            if (r.nextBoolean()) {
                dims.add(r.nextBoolean() ? d : d - rank);
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] allDims(int rank) {
        int[] all = new int[rank];
        Arrays.setAll(all, i -> i);
        return all;
    }

    private static long[] grow(long[] shape) {
        long[] grown = shape.clone();
        grown[0] += 1;
        return grown;
    }

    private static long[] concat(long[] batch, long... tail) {
        long[] all = Arrays.copyOf(batch, batch.length + tail.length);
        System.arraycopy(tail, 0, all, batch.length, tail.length);
        return all;
    }

    private static Values corners(SplittableRandom r) {
        return r.nextInt(3) == 0 ? Values.SPECIALS : Values.PLAIN;
    }

    private static Tensor tensor(SplittableRandom r, DType dtype, long[] shape) {
        return tensor(r, dtype, shape, Values.PLAIN);
    }

    /**
     * Random values of {@code shape} laid out as a random view: contiguous, transposed, permuted, every
     * other element of a wider tensor, or broadcast from size 1.
     */
    private static Tensor tensor(SplittableRandom r, DType dtype, long[] shape, Values values) {
        long seed = r.nextLong();
        int rank = shape.length;
        return switch (rank == 0 ? 0 : r.nextInt(5)) {
            case 1 -> Generators.tensor(seed, dtype, values, Generators.Layout.TRANSPOSED, shape);
            case 2 -> Generators.tensor(seed, dtype, values, Generators.Layout.STRIDED, shape);
            case 3 -> Generators.tensor(seed, dtype, values, Generators.Layout.BROADCAST, shape);
            case 4 -> {
                int[] order = allDims(rank);
                for (int i = rank - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int swap = order[i];
                    order[i] = order[j];
                    order[j] = swap;
                }
                long[] stored = new long[rank];
                for (int i = 0; i < rank; i++) {
                    stored[order[i]] = shape[i];
                }
                int[] back = new int[rank];
                for (int i = 0; i < rank; i++) {
                    back[i] = order[i];
                }
                try (Tensor base = Generators.tensor(seed, dtype, values, Generators.Layout.CONTIGUOUS, stored)) {
                    yield base.permute(back);
                }
            }
            default -> Generators.tensor(seed, dtype, values, Generators.Layout.OFFSET, shape);
        };
    }

    private static String describe(Tensor... tensors) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : tensors) {
            sb.append(sb.isEmpty() ? "" : ", ").append(t.isClosed() ? "closed " : "").append(t.shape()).append(' ').append(t.dtype())
                    .append(" strides ").append(Arrays.toString(t.strides()));
        }
        return sb.toString();
    }
}
