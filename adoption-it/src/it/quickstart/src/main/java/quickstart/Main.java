package quickstart;

import static dev.colossus.Ops.gelu;
import static dev.colossus.Ops.linear;
import static dev.colossus.Ops.scaledDotProductAttention;
import static dev.colossus.Ops.softmax;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import java.util.function.Supplier;

/**
 * The README's quick start, run by a project outside Colossus's build: a linear layer with GELU, a
 * softmax and causal grouped-query attention on the default backend, each checked against the
 * reference backend; the backends as describe() lists them (the CUDA one available on a GPU,
 * "unavailable" with its reason elsewhere). Exits with status 1 when anything is off.
 */
public final class Main {
    public static void main(String[] args) {
        String path = args[0];
        String description = Backends.describe();
        System.out.println(description);
        check(description.contains("cpu ops run on: cpu"), "the CPU backend runs host ops");
        String cuda = description.lines().filter(line -> line.startsWith("  cuda       cuda  priority  200  ")).findFirst()
                .orElse("");
        check(!cuda.isEmpty(), "the CUDA backend is found");
        check(cuda.contains(" available: ") || cuda.contains(" unavailable: libcuda.so.1 not found"),
                "the CUDA backend runs, or says cleanly that this machine has no driver: " + cuda.strip());
        boolean named = Tensor.class.getModule().isNamed();
        check(named == path.equals("module-path"), "colossus-core is " + (named ? "a named module" : "on the class path"));
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.randn(42, DType.F32, 8, 512);                    // (batch, in)
            Tensor w = Tensor.randn(43, DType.F32, 2048, 512);                 // (out, in)
            Tensor b = Tensor.zeros(DType.F32, 2048);                          // (out)
            Tensor q = Tensor.randn(1, DType.BF16, 1, 16, 128, 64);            // (B, Hq, L, D)
            Tensor k = Tensor.randn(2, DType.BF16, 1, 4, 128, 64);             // (B, Hkv, L, D)
            Tensor v = Tensor.randn(3, DType.BF16, 1, 4, 128, 64);
            AttentionOptions causal = AttentionOptions.defaults().causal(true);
            compare("linear + GELU, softmax", () -> softmax(gelu(linear(x, w, b)), -1), 1e-5);
            compare("causal grouped-query attention", () -> scaledDotProductAttention(q, k, v, causal), 2e-2);
        }
        System.out.println("quick start ok on the " + path);
    }

    /** {@code op} on the default backend against the reference backend, within {@code rtol}. */
    private static void compare(String name, Supplier<Tensor> op, double rtol) {
        Tensor expected = Backends.using(Backends.get("reference"), op);
        Tensor actual = op.get();
        check(actual.allClose(expected, rtol, 1e-6, false), name + " matches the reference backend");
    }

    private static void check(boolean holds, String what) {
        if (!holds) {
            System.out.println("FAILED: " + what);
            System.exit(1);
        }
        System.out.println("ok: " + what);
    }
}
