package dev.colossus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns MatMulBench JSON results into a Markdown table of GFLOP/s (the median fork) with the ratio of
 * Colossus to OpenBLAS, median to median and slowest Colossus fork to median OpenBLAS, every fork's
 * GFLOP/s where there are several, the decode shapes' bandwidth beside the copy yardstick's, and an SVG plot
 * of GFLOP/s against N (square shapes, one line per implementation and thread count, each point's
 * forks marked by a bar from the slowest to the fastest), and BF16's rate as a fraction of F32's
 * where a file holds {@code Bf16BesideF32Bench}'s forks.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.colossus.bench.MatMulReport OUT_PREFIX LABEL=RESULT.json...
 * </pre>
 * writes {@code OUT_PREFIX.md} and {@code OUT_PREFIX.svg}; each label (e.g. {@code "2 threads"})
 * names the run its file came from.
 */
public final class MatMulReport {
    /** One measurement: time per product in milliseconds, the median fork's, and each fork's. */
    record Result(String run, String impl, MatMulShape shape, String shapeText, double millis, double[] forkMillis) {
        double gflops() {
            return gflops(millis);
        }

        double gflops(double ms) {
            return shape.flops() / (ms * 1e6);
        }

        /** The slowest fork's time (the median's where JMH reported no forks). */
        double slowestMillis() {
            return Arrays.stream(forkMillis).max().orElse(millis);
        }

        double fastestMillis() {
            return Arrays.stream(forkMillis).min().orElse(millis);
        }

        /** GB/s over the bytes that must move: B read for a product, read plus written for the copy. */
        double gigabytesPerSecond() {
            double bytes = impl.equals("copy") ? 2 * shape.bBytes() : shape.bBytes();
            return bytes / (millis * 1e6);
        }
    }

    private MatMulReport() {
    }

    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        if (args.length < 2) {
            System.err.println("usage: MatMulReport OUT_PREFIX LABEL=RESULT.json...");
            System.exit(2);
        }
        List<Result> results = new ArrayList<>();
        StringBuilder beside = new StringBuilder();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            String run = args[i].substring(0, eq);
            Path file = Path.of(args[i].substring(eq + 1));
            results.addAll(read(run, file));
            beside.append(bf16BesideF32(run, JmhResults.read(file)));
        }
        String md = markdown(results) + beside;
        Files.writeString(Path.of(args[0] + ".md"), md);
        Files.writeString(Path.of(args[0] + ".svg"), svg(results));
        System.out.print(md);
    }

    /**
     * {@code Bf16BesideF32Bench}'s forks: BF16's rate as a fraction of F32's, the F32 product's time over
     * the BF16 one's, each summed over the fork's measured calls; nothing where the file has none.
     */
    static String bf16BesideF32(String run, List<JmhResults.Result> results) {
        StringBuilder md = new StringBuilder();
        for (JmhResults.Result r : results) {
            if (!r.name().equals("Bf16BesideF32Bench.besideF32")) {
                continue;
            }
            MatMulShape shape = MatMulShape.parse(r.param("n"));
            double[] f32 = r.forkTotals("f32Nanos"), bf16 = r.forkTotals("bf16Nanos"), calls = r.forkTotals("calls");
            double[] fractions = new double[f32.length];
            StringBuilder rates = new StringBuilder();
            for (int f = 0; f < f32.length; f++) {
                fractions[f] = f32[f] / bf16[f];
                rates.append(String.format("%s%.1f / %.1f", f == 0 ? "" : ", ", shape.flops() * calls[f] / bf16[f],
                        shape.flops() * calls[f] / f32[f]));
            }
            md.append(String.format("""
                    ### %s: BF16 beside F32 at %s, call by call in each fork (`Bf16BesideF32Bench`)

                    | GFLOP/s by fork, BF16 / F32 | BF16 / F32 by fork | slowest fork | median |
                    |---|---|---:|---:|
                    | %s | %s | %.2f | %.2f |

                    """, run, r.param("n"), rates, Arrays.stream(fractions).mapToObj(x -> String.format("%.2f", x))
                    .collect(Collectors.joining(", ")), Arrays.stream(fractions).min().orElseThrow(),
                    JmhResults.median(fractions)));
        }
        return md.toString();
    }

    static List<Result> read(String run, Path file) throws IOException {
        List<Result> results = new ArrayList<>();
        for (JmhResults.Result r : JmhResults.read(file)) {
            if (!r.name().equals("MatMulBench.matmul")) {
                continue;
            }
            if (!r.unit().equals("ms/op")) {
                throw new IllegalArgumentException(file + ": expected ms/op, got " + r.unit());
            }
            String shape = r.param("shape");
            results.add(new Result(run, r.param("impl"), MatMulShape.parse(shape), shape, r.median(), r.forkMeans()));
        }
        return results;
    }

    static String markdown(List<Result> results) {
        StringBuilder md = new StringBuilder();
        Set<String> runs = new LinkedHashSet<>();
        results.forEach(r -> runs.add(r.run()));
        for (String run : runs) {
            List<Result> mine = results.stream().filter(r -> r.run().equals(run)).toList();
            Set<String> impls = new LinkedHashSet<>();
            Set<String> shapes = new LinkedHashSet<>();
            mine.stream().filter(r -> !r.impl().equals("copy"))
                    .sorted(Comparator.comparingInt((Result r) -> rank(r.impl()))
                            .thenComparing(r -> !r.shape().isSquare())
                            .thenComparingLong(r -> r.shape().isSquare() ? r.shape().m() : 0))
                    .forEach(r -> impls.add(r.impl()));
            mine.stream().filter(r -> !r.impl().equals("copy"))
                    .sorted(Comparator.comparing((Result r) -> !r.shape().isSquare())
                            .thenComparingLong(r -> r.shape().isSquare() ? r.shape().m() : 0))
                    .forEach(r -> shapes.add(r.shapeText()));
            md.append("### ").append(run).append(": GFLOP/s\n\n| shape (M x K x N) |");
            impls.forEach(i -> md.append(' ').append(i).append(" |"));
            md.append(" colossus / openblas | slowest colossus fork / median openblas |\n|---|");
            impls.forEach(i -> md.append("---:|"));
            md.append("---:|---:|\n");
            List<Double> ratios = new ArrayList<>();
            List<Double> slowestRatios = new ArrayList<>();
            for (String shape : shapes) {
                MatMulShape s = MatMulShape.parse(shape);
                md.append("| ").append(s.batch() > 1 ? s.batch() + " x " : "").append(s.m()).append(" x ").append(s.k())
                        .append(" x ").append(s.n()).append(s.weightB() ? " (x wᵀ)" : "").append(" |");
                for (String impl : impls) {
                    Result r = find(mine, impl, shape);
                    md.append(' ').append(r == null ? "-" : String.format("%.1f", r.gflops())).append(" |");
                }
                Result ours = find(mine, "colossus", shape), blas = find(mine, "openblas", shape);
                if (ours != null && blas != null) {
                    double ratio = blas.millis() / ours.millis(), slowest = blas.millis() / ours.slowestMillis();
                    md.append(String.format(" %.2f | %.2f |", ratio, slowest));
                    if (s.isSquare() && s.m() >= 256) {
                        ratios.add(ratio);
                        slowestRatios.add(slowest);
                    }
                } else {
                    md.append(" - | - |");
                }
                md.append('\n');
            }
            if (!ratios.isEmpty()) {
                double log = ratios.stream().mapToDouble(Math::log).sum() / ratios.size();
                md.append(String.format("%nSquare N >= 256: geometric mean of colossus / openblas %.2f, lowest %.2f;"
                        + " slowest colossus fork / median openblas, lowest %.2f.%n", Math.exp(log),
                        ratios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
                        slowestRatios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN)));
            }
            forks(md, mine, impls, shapes);
            List<Result> copies = mine.stream().filter(r -> r.impl().equals("copy")).toList();
            if (!copies.isEmpty()) {
                md.append("\nDecode shapes are bound by streaming B once; GB/s over B's bytes, beside a plain array copy"
                        + " of the same bytes (counting read + written):\n\n| shape | copy GB/s | colossus GB/s | colossus / copy |\n|---|---:|---:|---:|\n");
                for (Result copy : copies) {
                    Result ours = find(mine, "colossus", copy.shapeText());
                    md.append(String.format("| %s | %.1f | %s | %s |%n", copy.shapeText(), copy.gigabytesPerSecond(),
                            ours == null ? "-" : String.format("%.1f", ours.gigabytesPerSecond()),
                            ours == null ? "-" : String.format("%.2f", ours.gigabytesPerSecond() / copy.gigabytesPerSecond())));
                }
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** Every fork's GFLOP/s, where some result has more than one fork. */
    private static void forks(StringBuilder md, List<Result> mine, Set<String> impls, Set<String> shapes) {
        int most = mine.stream().mapToInt(r -> r.forkMillis().length).max().orElse(0);
        if (most < 2) {
            return;
        }
        md.append("\nEvery fork, GFLOP/s (JMH's order):\n\n| shape | impl |");
        for (int f = 1; f <= most; f++) {
            md.append(" fork ").append(f).append(" |");
        }
        md.append(" slowest / fastest |\n|---|---|").append("---:|".repeat(most + 1)).append('\n');
        for (String shape : shapes) {
            for (String impl : impls) {
                Result r = find(mine, impl, shape);
                if (r == null || r.forkMillis().length < 2) {
                    continue;
                }
                md.append("| ").append(shape).append(" | ").append(impl).append(" |");
                for (int f = 0; f < most; f++) {
                    md.append(f < r.forkMillis().length ? String.format(" %.1f |", r.gflops(r.forkMillis()[f])) : " |");
                }
                md.append(String.format(" %.2f |%n", r.fastestMillis() / r.slowestMillis()));
            }
        }
    }

    /** Column order: Colossus's variants, then the native peer, then the Java peers, then the reference. */
    private static int rank(String impl) {
        int at = List.of("colossus", "colossus-bf16", "colossus-f16", "colossus-f64", "openblas", "openblas-f64", "ejml", "ojalgo", "reference")
                .indexOf(impl);
        return at < 0 ? Integer.MAX_VALUE : at;
    }

    private static Result find(List<Result> results, String impl, String shape) {
        return results.stream().filter(r -> r.impl().equals(impl) && r.shapeText().equals(shape)).findFirst().orElse(null);
    }

    /** GFLOP/s against N on a log2 axis, square shapes only: the median fork, and a bar from the slowest fork to the fastest. */
    static String svg(List<Result> results) {
        List<Result> square = results.stream().filter(r -> r.shape().isSquare() && !r.impl().equals("copy")).toList();
        String firstRun = square.isEmpty() ? "" : square.getFirst().run();
        Map<String, List<Charts.Point>> points = new LinkedHashMap<>();
        Map<String, Result> first = new LinkedHashMap<>();
        for (Result r : square.stream().sorted(Comparator.comparingInt((Result r) -> rank(r.impl()))).toList()) {
            String name = r.impl() + " (" + r.run() + ")";
            points.computeIfAbsent(name, key -> new ArrayList<>()).add(new Charts.Point(r.shape().m(), r.gflops(),
                    r.gflops(r.slowestMillis()), r.gflops(r.fastestMillis())));
            first.putIfAbsent(name, r);
        }
        List<Charts.Line> lines = points.entrySet().stream().map(e -> {
            Result r = first.get(e.getKey());
            return new Charts.Line(e.getKey(), r.impl(), e.getValue(), !r.run().equals(firstRun));
        }).toList();
        return Charts.lines("matmul N x N x N (F32 unless named): the median fork, bars from the slowest fork to the fastest",
                "N", "GFLOP/s", lines, 900, 520);
    }
}
