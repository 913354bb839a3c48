package dev.colossus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The report of one sitting of {@code run-attention.sh}: {@code DIR/attention.json} (JMH's results)
 * into {@code DIR/attention.md} (times, rates and ratios to the yardsticks measured in the same
 * sitting) and {@code DIR/attention.svg} (each ratio of the CPU attention issue as a bar beside its
 * target). Times are the median fork's mean ({@link JmhResults.Result#median}).
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.AttentionReport DIR
 * </pre>
 */
public final class AttentionReport {
    /** B, Hq, Hkv, Lq, Lk, D of AttentionBench's shapes. */
    private static final Map<String, long[]> DIMS = Map.of("prefill", new long[] {1, 16, 16, 2048, 2048, 128},
            "prefill-256", new long[] {1, 16, 16, 256, 256, 128}, "prefill-1024-d64", new long[] {1, 16, 16, 1024, 1024, 64},
            "prefill-1024-d96", new long[] {1, 32, 32, 1024, 1024, 96}, "minilm-128", new long[] {1, 12, 12, 128, 128, 32},
            "decode", new long[] {1, 32, 8, 1, 8192, 128});
    /** The memory-bound ops of ElementwiseBench, and the tensors of 16M floats each moves (read + written). */
    private static final Object[][] MOVED = {{"copy", 2.0}, {"add", 3.0}, {"scale", 2.0}, {"relu", 2.0}, {"softmax", 2.0},
            {"rmsNorm", 2.0}, {"addRmsNorm", 4.0}, {"add+rmsNorm", 4.0}, {"logSoftmax", 2.0}, {"layerNorm", 2.0}, {"exp", 2.0},
            {"gelu", 2.0}, {"toBf16", 1.5}, {"rowSum", 1.0}, {"addBf16", 1.5}, {"biasAddBf16", 1.0},
            {"expBf16", 1.0}, {"siluBf16", 1.0}, {"geluBf16", 1.0}, {"mixBf16", 4.0},
            {"toF16", 1.5}, {"addF16", 1.5}, {"expF16", 1.0}, {"siluF16", 1.0}, {"reluF16", 1.0},
            {"gt", 2.25}, {"where", 3.25}, {"transpose", 2.0}, {"transposeBf16", 1.0},
            {"erf", 2.0}, {"log1p", 2.0}, {"expm1", 2.0}, {"tanh", 2.0}, {"sin", 2.0}, {"cos", 2.0}, {"pow", 2.0}, {"log", 2.0}, {"remainder", 2.0}, {"floorDivide", 2.0}, {"softmaxDim0", 2.0}, {"square", 2.0}, {"rowArgmax", 1.0}, {"tril", 2.0}, {"mulTransposed", 3.0}, {"columnArgmax", 1.0}, {"columnSum", 1.0}, {"addI32", 3.0},
            {"floorDivideI64", 6.0}, {"toI32", 2.0}, {"fromI64", 3.0}, {"stackLast", 4.0}, {"expandColumn", 1.0},
            {"subColumn", 2.0}, {"gatherRows", 3.0}, {"scatterAddRows", 6.0}, {"indexSelectLast", 2.0},
            {"rowSumI32", 1.0}, {"minI64", 2.0}, {"negI32", 2.0}, {"whereI64", 6.25},
            {"toF8E4M3", 1.25}, {"fromF8E4M3", 1.25}, {"addI8", 0.75}, {"fromU8", 1.25},
            {"addF64", 6.0}, {"expF64", 4.0}, {"rowSumF64", 2.0}, {"cumsumF64", 4.0}, {"multinomial", 1.0},
            {"argsortColumns", 3.0}, {"topkColumns", 1.0}, {"remainderI32", 3.0}, {"eqBool", 0.75}};

    /** One bar of the plot: a measured ratio, its target (null for none), and its axis. */
    record Bar(String label, double value, Double target, boolean speedup) {
    }

    private AttentionReport() {
    }

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        if (args.length != 1) {
            System.err.println("usage: AttentionReport DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        List<JmhResults.Result> results = JmhResults.read(dir.resolve("attention.json"));
        List<Bar> bars = new ArrayList<>();
        String md = markdown(results, Files.readString(dir.resolve("attention-machine.txt")).strip(), bars);
        Files.writeString(dir.resolve("attention.md"), md);
        Files.writeString(dir.resolve("attention.svg"), svg(bars));
        System.out.print(md);
    }

    /** The report of {@code results}, measured on {@code machine} (as {@code run-attention.sh} recorded it). */
    static String markdown(List<JmhResults.Result> results, String machine, List<Bar> bars) {
        Map<String, Double> elementwise = new HashMap<>();
        JmhResults.Result gemm = null, copy = null;
        List<JmhResults.Result> attention = new ArrayList<>();
        for (JmhResults.Result r : results) {
            switch (r.name()) {
                case "ElementwiseBench.run" -> elementwise.put(r.param("op"), r.median());
                case "AttentionBench.attention" -> attention.add(r);
                case "MatMulBench.matmul" -> {
                    if (r.param("impl").equals("colossus")) {
                        gemm = r;
                    } else if (r.param("impl").equals("copy")) {
                        copy = r;
                    }
                }
                default -> { }
            }
        }
        if (gemm == null || copy == null) {
            throw new IllegalArgumentException("attention.json needs MatMulBench's colossus 2048 and copy 1x4096x2048");
        }
        double gemmRate = 2.0 * 2048 * 2048 * 2048 / (gemm.median() * 1e-3) / 1e9;
        double copyRate = 2.0 * 4096 * 2048 * 4 / (copy.median() * 1e-3) / 1e9;
        List<String> lines = new ArrayList<>(List.of("# CPU attention", "",
                "One sitting of `benchmarks/run-attention.sh` on " + machine + ". Prefill: GFLOP/s = "
                        + "4 B Hq Lq Lk D / time, halved when causal. Decode: GB/s over the bytes of K and V. Where a benchmark "
                        + "ran in several forks, ms is the median fork's mean and the forks' means are listed. "
                        + "`attention.svg` plots the ratios against the issue's targets.", "",
                String.format("Yardsticks from the same sitting: the CPU backend's F32 GEMM at 2048^3, %.1f GFLOP/s; "
                        + "the copy yardstick over 32 MiB, %.1f GB/s (read + written).", gemmRate, copyRate), "",
                "| variant | shape | dtype | causal | ms | forks (ms) | GFLOP/s | GB/s | vs GEMM 2048 | vs copy |",
                "|---|---|---|---|---:|---|---:|---:|---:|---:|"));
        Map<String, Double> times = new HashMap<>();
        List<String> spreads = new ArrayList<>();
        for (JmhResults.Result r : attention) {
            long[] d = DIMS.get(r.param("shape"));
            boolean causal = r.param("causal").equals("true"), decode = r.param("shape").equals("decode");
            double seconds = r.median() * 1e-3;
            double gflops = 4.0 * d[0] * d[1] * d[3] * d[4] * d[5] * (causal ? 0.5 : 1) / seconds / 1e9;
            int size = r.param("dtype").equals("BF16") || r.param("dtype").equals("F16") ? 2 : 4;
            double gbs = 2.0 * d[0] * d[2] * d[4] * d[5] * size / seconds / 1e9;
            times.put(r.param("variant") + " " + r.param("shape") + " " + r.param("dtype") + " " + causal, r.median());
            String forks = r.forkMeans().length > 1 ? Arrays.stream(r.forkMeans()).mapToObj(m -> String.format("%.1f", m))
                    .collect(Collectors.joining(" / ")) : "-";
            lines.add(String.format("| %s | %s | %s | %s | %.2f | %s | %.1f | %s | %.2f | %s |", r.param("variant"), r.param("shape"),
                    r.param("dtype"), causal, r.median(), forks, gflops, decode ? String.format("%.1f", gbs) : "-",
                    gflops / gemmRate, decode ? String.format("%.2f", gbs / copyRate) : "-"));
            if (r.param("variant").equals("fused") && !decode && r.forkMeans().length > 1) {
                spreads.add(String.format("- Fused prefill%s: the slowest fork %.1f%% over the fastest (issue 23: at most 5%%).",
                        causal ? " causal" : "", 100 * (max(r.forkMeans()) / min(r.forkMeans()) - 1)));
            }
            if (r.param("variant").equals("fused") && !decode && !causal) {
                bars.add(new Bar("prefill F32 / GEMM 2048", gflops / gemmRate, 0.70, false));
            }
            if (r.param("variant").equals("fused") && decode) {
                bars.add(new Bar("decode " + r.param("dtype") + " / copy", gbs / copyRate, r.param("dtype").equals("BF16") ? 0.70 : null,
                        false));
            }
        }
        lines.add("");
        for (boolean causal : new boolean[] {false, true}) {
            Double fused = times.get("fused prefill F32 " + causal), composed = times.get("composed prefill F32 " + causal);
            if (fused != null && composed != null) {
                String which = causal ? " causal" : "";
                lines.add(String.format("- Prefill%s: fused %.2fx faster than composed.", which, composed / fused));
                bars.add(new Bar("prefill" + which + ": composed / fused", composed / fused, causal ? null : 3.0, true));
            }
        }
        times.keySet().stream().filter(key -> key.startsWith("torch ")).sorted().forEach(key -> {
            String rest = key.substring("torch ".length());
            Double fused = times.get("fused " + rest);
            if (fused != null) {
                String label = rest.replace(" true", " causal").replace(" false", "");
                lines.add(String.format("- %s: fused %.2fx PyTorch's scaled_dot_product_attention.", label, times.get(key) / fused));
                bars.add(new Bar(label + ": PyTorch / fused", times.get(key) / fused, null, true));
            }
        });
        Double plain = times.get("fused prefill F32 false"), causal = times.get("fused prefill F32 true");
        if (plain != null && causal != null) {
            lines.add(String.format("- Fused prefill, causal %.2fx faster than plain.", plain / causal));
            bars.add(new Bar("prefill: plain / causal", plain / causal, 1.7, true));
        }
        lines.addAll(spreads);
        double floatsBytes = 4096.0 * 4096 * 4;
        lines.addAll(List.of("", "## Memory-bound ops over 16M floats (F32, 4096 rows of 4096), each writing a new tensor", "",
                "GB/s = bytes read + written / time (add reads two tensors; addRmsNorm reads two and writes two, "
                        + "and add+rmsNorm, the same as two ops, is counted the same; toBf16 writes half as many bytes as it reads; "
                        + "rowSum writes one value per row; addBf16 and biasAddBf16 move BF16, half the bytes a float does)."
                        + (elementwise.containsKey("mixBf16") ? " So do expBf16, siluBf16 and geluBf16; mixBf16 is four of them"
                                + " one after another (exp, sigmoid, silu, tanh), counted as four." : "")
                        + (elementwise.containsKey("toF16") ? " toF16, addF16, expF16, siluF16 and reluF16 move F16 as the BF16 ops move BF16." : "")
                        + (elementwise.containsKey("gt") ? " gt reads two tensors and writes BOOL, a byte a value; where reads"
                                + " a BOOL mask and two tensors." : "")
                        + (elementwise.containsKey("transpose") ? " transpose copies x transposed, transposeBf16 its BF16 twin." : ""), "",
                "| op | ms | GB/s | vs copy |", "|---|---:|---:|---:|"));
        double copy16 = 2 * floatsBytes / (elementwise.get("copy") * 1e-3) / 1e9;
        for (Object[] op : MOVED) {
            String name = (String) op[0];
            if (!elementwise.containsKey(name)) {
                continue; // an op added after the sitting
            }
            double rate = (Double) op[1] * floatsBytes / (elementwise.get(name) * 1e-3) / 1e9;
            lines.add(String.format("| %s | %.2f | %.1f | %.2f |", name, elementwise.get(name), rate, rate / copy16));
            if (!name.equals("copy")) {
                boolean targeted = name.equals("softmax") || name.equals("rmsNorm") || name.equals("add");
                bars.add(new Bar(name + " / copy", rate / copy16, targeted ? 0.80 : null, false));
            }
        }
        return String.join("\n", lines) + "\n";
    }

    /** The processor's name from {@code /proc/cpuinfo} and the processors the JVM sees, or what is known of them. */
    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    /** Horizontal bars, ratios on one axis and speedups on another, each target a red tick. */
    static String svg(List<Bar> bars) {
        List<List<Charts.Bar>> groups = List.of(
                bars.stream().filter(b -> !b.speedup()).map(b -> new Charts.Bar(b.label(), b.value(), b.target())).toList(),
                bars.stream().filter(Bar::speedup).map(b -> new Charts.Bar(b.label(), b.value(), b.target())).toList());
        return Charts.bars(List.of("CPU attention and memory-bound ops: ratio to the yardstick of the same sitting",
                "speedup (x)"), groups, 820);
    }
}
