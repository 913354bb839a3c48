package dev.colossus.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GPU check's table: the {@code colossus,...} lines of {@link GpuBench} and the {@code torch,...}
 * lines of {@code cuda-backend/gpu-check/torch_bench.py} (each {@code who,case,seconds,rate,unit}) side
 * by side as Markdown. Ratio = Colossus's rate over PyTorch's (for us/op, PyTorch's over Colossus's:
 * above 1 is Colossus ahead either way). A second table sets each variant of Colossus ({@code
 * case_custom}, {@code case_composed}, ...) beside the plain case: the custom GEMM against cuBLAS, the
 * fused attention and linear against the composed, the mma.sync attention kernel against the default,
 * attention with its log-sum-exps against attention alone. A file that is not there (a step that did
 * not run) is passed over.
 * <pre>
 * java -cp benchmarks.jar dev.colossus.bench.GpuReport colossus.csv torch.csv [models-colossus.csv models-torch.csv ...]
 * </pre>
 */
public final class GpuReport {
    private static final List<String> VARIANTS = List.of("_custom", "_custom_mma", "_lt", "_composed", "_mma_sync", "_lse");

    /** One case's rate and unit, as Colossus or PyTorch measured it. */
    private record Rate(double value, String unit) {
    }

    private GpuReport() {
    }

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        Map<String, Map<String, Rate>> rows = new LinkedHashMap<>();
        for (String file : args) {
            if (!Files.exists(Path.of(file))) {
                continue;
            }
            for (String line : Files.readAllLines(Path.of(file))) {
                String[] parts = line.strip().split(",");
                if (parts.length == 5 && (parts[0].equals("colossus") || parts[0].equals("torch"))) {
                    rows.computeIfAbsent(parts[1], c -> new LinkedHashMap<>()).put(parts[0], new Rate(Double.parseDouble(parts[3]), parts[4]));
                }
            }
        }
        System.out.print(markdown(rows));
    }

    static String markdown(Map<String, Map<String, Rate>> rows) {
        StringBuilder md = new StringBuilder("| case | Colossus | PyTorch | unit | Colossus / PyTorch |\n|---|---:|---:|---|---:|\n");
        rows.forEach((name, found) -> {
            Rate ours = found.get("colossus"), theirs = found.get("torch");
            String unit = (ours != null ? ours : theirs).unit();
            String ratio = ours != null && theirs != null && ours.value() > 0 && theirs.value() > 0
                    ? fixed(unit.equals("us/op") ? theirs.value() / ours.value() : ours.value() / theirs.value(), 3) : "";
            md.append(String.format("| %s | %s | %s | %s | %s |%n", name, format(ours), format(theirs), unit, ratio));
        });
        StringBuilder variants = new StringBuilder();
        for (String name : rows.keySet()) {
            for (String suffix : VARIANTS) {
                String base = name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : null;
                Rate v = rows.get(name).get("colossus"), p = base == null || !rows.containsKey(base) ? null : rows.get(base).get("colossus");
                if (v != null && p != null) {
                    variants.append(String.format("| %s | %s | %s | %s | %s | %s |%n", base, suffix.substring(1), fixed(v.value(), 2),
                            fixed(p.value(), 2), v.unit(), fixed(v.value() / p.value(), 3)));
                }
            }
        }
        if (!variants.isEmpty()) {
            md.append("\n| case | variant | Colossus variant | Colossus plain | unit | variant / plain |\n|---|---|---:|---:|---|---:|\n")
                    .append(variants);
        }
        return md.toString();
    }

    private static String format(Rate rate) {
        return rate == null ? "-" : fixed(rate.value(), 2);
    }

    /** {@code value} to {@code digits} decimals, the exact binary value rounded half to even (as Python's format does). */
    private static String fixed(double value, int digits) {
        return new BigDecimal(value).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }
}
