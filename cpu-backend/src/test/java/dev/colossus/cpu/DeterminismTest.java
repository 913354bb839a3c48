package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.op.UnaryFn;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.TensorAssert;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend gives bit-identical results for the same op on the same inputs, run after run and
 * whether its tasks ran on the worker threads or all on the caller (as they do when the pool is busy
 * with another caller's op): work is split by the sizes and the thread count, never by timing. A
 * different thread count ({@code -Dcolossus.cpu.threads}) or SIMD width may change the low bits of
 * reductions, norms and split decode attention, whose partial sums it regroups. Nor do the bits depend
 * on whether the JIT has compiled a kernel yet ({@link #main}), with one exception left out here:
 * attention, whose exponentials and decode dot products keep the Vector API's {@code EXP} and
 * {@code reduceLanes} (their bits differ before and after C2 compiles them), for speed (see
 * {@code VectorRowKernels.expShifted}, {@code VectorRowProducts.dots}). The F32 matmul has the same
 * bits at every width and on the scalar kernels ({@link #matmulGivesTheSameBitsOnTheScalarKernels}).
 */
@Tag("suite")
class DeterminismTest {

    @Test
    void everyOpGivesTheSameBitsTwiceAndWithOrWithoutTheWorkers() {
        try (Scope scope = Scope.open()) {
            Tensor a = Generators.tensor(1, DType.F32, 300, 520), b = Generators.tensor(2, DType.F32, 520, 310);
            Tensor half = Generators.tensor(3, DType.BF16, 64, 4096);
            Tensor column = Generators.tensor(8, DType.F32, 1 << 20);
            Map<String, Supplier<Tensor>> ops = new LinkedHashMap<>();
            ops.put("matmul", () -> Ops.matmul(a, b));
            ops.put("linear+gelu", () -> Ops.linear(a, b.transpose(0, 1), null, UnaryFn.GELU));
            ops.put("sum of 1M", () -> Ops.sum(column));
            ops.put("var over rows", () -> Ops.var(half, new int[] {0}, 1, false));
            ops.put("mean over columns", () -> Ops.mean(half, -1));
            ops.put("softmax", () -> Ops.softmax(half, -1));
            ops.put("layerNorm", () -> Ops.layerNorm(half, new long[] {4096}, null, null, 1e-5));
            ops.put("rmsNorm", () -> Ops.rmsNorm(half, new long[] {4096}, null, 1e-6));
            ops.put("gelu", () -> Ops.gelu(half));
            for (Map.Entry<String, Supplier<Tensor>> op : ops.entrySet()) {
                Tensor first = op.getValue().get(), again = op.getValue().get();
                Tensor[] inline = new Tensor[1];
                CpuParallel.onCallerThread(() -> inline[0] = op.getValue().get());
                TensorAssert.assertExact(op.getKey() + ", run twice", first, again);
                TensorAssert.assertExact(op.getKey() + ", its tasks all on the caller", first, inline[0]);
            }
        }
    }

    /**
     * In a JVM that compiles in the foreground ({@code -Xbatch}, C2 alone), so that when a kernel gets
     * compiled depends on nothing but the calls made: each op's first result (interpreted) and its
     * result after 2000 calls (C2's code) have the same bits.
     */
    @Test
    void theInterpreterAndC2GiveTheSameBits() throws Exception {
        String[] lines = child(List.of("-Xbatch", "-XX:-TieredCompilation")).strip().split("\n");
        assertEquals(10, lines.length, String.join("\n", lines));
        for (String line : lines) {
            String[] words = line.split(" ");
            assertEquals(words[words.length - 2], words[words.length - 1], line);
        }
    }

    /**
     * In a JVM on the scalar kernels ({@code -Dcolossus.cpu.vectorBits=0}), F32 products of decode rows,
     * tails and several panels of K have the bits they have here: every kernel adds each product with
     * one rounding in k's order.
     */
    @Test
    void matmulGivesTheSameBitsOnTheScalarKernels() throws Exception {
        assertEquals(matmulBits(), child(List.of("-Dcolossus.cpu.vectorBits=0"), "matmul").strip());
    }

    /** Each product's shape and the hash of its bits, one line. */
    private static String matmulBits() {
        StringBuilder bits = new StringBuilder();
        long[][] shapes = {{1, 256, 256}, {4, 256, 256}, {16, 64, 100}, {33, 17, 29}, {256, 1000, 64}, {300, 520, 310}};
        for (long[] s : shapes) {
            try (Tensor a = Generators.tensor(1, DType.F32, s[0], s[1]); Tensor b = Generators.tensor(2, DType.F32, s[1], s[2])) {
                bits.append(bits.isEmpty() ? "" : " ").append(s[0]).append('x').append(s[1]).append('x').append(s[2]).append(':')
                        .append(bits(() -> Ops.matmul(a, b)));
            }
        }
        return bits.toString();
    }

    /**
     * The child: with {@code matmul}, {@link #matmulBits}; otherwise a few kernels on small inputs, each
     * result's bits at the first call and after 2000.
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("matmul")) {
            System.out.println(matmulBits());
            return;
        }
        try (Scope scope = Scope.open()) {
            Tensor x = Generators.tensor(1, DType.F32, 4, 96), y = Generators.tensor(2, DType.BF16, 4, 96);
            Tensor magnitudes = Ops.abs(y);
            Map<String, Supplier<Tensor>> ops = new LinkedHashMap<>();
            ops.put("sum", () -> Ops.sum(x, -1));
            ops.put("var", () -> Ops.var(x, new int[] {-1}, 0, false));
            ops.put("softmax", () -> Ops.softmax(y, -1));
            ops.put("layerNorm", () -> Ops.layerNorm(y, new long[] {96}, null, null, 1e-5));
            ops.put("exp", () -> Ops.exp(y));
            ops.put("log", () -> Ops.log(magnitudes));
            ops.put("tanh", () -> Ops.tanh(y));
            ops.put("silu", () -> Ops.silu(y));
            ops.put("gelu", () -> Ops.gelu(y));
            ops.put("pow", () -> Ops.pow(magnitudes, y));
            Map<String, Integer> first = new LinkedHashMap<>();
            ops.forEach((name, op) -> first.put(name, bits(op)));
            for (int call = 0; call < 2000; call++) {
                ops.values().forEach(DeterminismTest::bits);
            }
            ops.forEach((name, op) -> System.out.println(name + " " + first.get(name) + " " + bits(op)));
        }
    }

    private static int bits(Supplier<Tensor> op) {
        try (Tensor t = op.get()) {
            return Arrays.hashCode(t.toFloatArray());
        }
    }

    /** This class's {@link #main} in a JVM at this one's SIMD width, with {@code jvmOptions} after (they win). */
    private static String child(List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dcolossus.cpu.vectorBits=" + Simd.BITS));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), DeterminismTest.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), String.join(" ", command) + ":\n" + output);
        return output;
    }
}
