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

/**
 * Turns MatMulBench JSON results into a Markdown table of GFLOP/s (the median fork) with the ratio of
 * Colossus to OpenBLAS, median to median and slowest Colossus fork to median OpenBLAS, every fork's
 * GFLOP/s where there are several, the decode shapes' bandwidth beside the copy yardstick's, and an SVG plot
 * of GFLOP/s against N (square shapes, one line per implementation and thread count, each point's
 * forks marked by a bar from the slowest to the fastest).
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
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            results.addAll(read(args[i].substring(0, eq), Path.of(args[i].substring(eq + 1))));
        }
        Files.writeString(Path.of(args[0] + ".md"), markdown(results));
        Files.writeString(Path.of(args[0] + ".svg"), svg(results));
        System.out.print(markdown(results));
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
        int at = List.of("colossus", "colossus-bf16", "colossus-f64", "openblas", "openblas-f64", "ejml", "ojalgo", "reference")
                .indexOf(impl);
        return at < 0 ? Integer.MAX_VALUE : at;
    }

    private static Result find(List<Result> results, String impl, String shape) {
        return results.stream().filter(r -> r.impl().equals(impl) && r.shapeText().equals(shape)).findFirst().orElse(null);
    }

    /** GFLOP/s against N on a log2 axis, square shapes only: the median fork, and a bar over every fork. */
    static String svg(List<Result> results) {
        int width = 720, height = 440, left = 60, right = 170, top = 30, bottom = 50;
        List<Result> square = results.stream().filter(r -> r.shape().isSquare() && !r.impl().equals("copy")).toList();
        double minN = square.stream().mapToDouble(r -> r.shape().m()).min().orElse(64);
        double maxN = square.stream().mapToDouble(r -> r.shape().m()).max().orElse(4096);
        double maxG = square.stream().mapToDouble(r -> r.gflops(r.fastestMillis())).max().orElse(1) * 1.1;
        Map<String, List<Result>> lines = new LinkedHashMap<>();
        for (Result r : square) {
            lines.computeIfAbsent(r.impl() + " (" + r.run() + ")", key -> new ArrayList<>()).add(r);
        }
        String[] colors = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"};
        StringBuilder svg = new StringBuilder();
        svg.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                width, height));
        svg.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append(String.format("<text x=\"%d\" y=\"18\" font-size=\"14\">matmul N x N x N, GFLOP/s (F32 unless named)</text>%n", left));
        int plotW = width - left - right, plotH = height - top - bottom;
        for (double n = minN; n <= maxN; n *= 2) {
            double x = left + plotW * (Math.log(n / minN) / Math.log(Math.max(2, maxN / minN)));
            svg.append(String.format("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, top, x, top + plotH));
            svg.append(String.format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, top + plotH + 16, (long) n));
        }
        double step = Math.pow(10, Math.floor(Math.log10(maxG / 5)));
        step *= maxG / step > 25 ? 5 : maxG / step > 10 ? 2 : 1;
        for (double g = 0; g <= maxG; g += step) {
            double y = top + plotH - plotH * g / maxG;
            svg.append(String.format("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", left, y, left + plotW, y));
            svg.append(String.format("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n", left - 6, y + 4, g));
        }
        svg.append(String.format("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">N</text>%n", left + plotW / 2, height - 12));
        int c = 0;
        for (Map.Entry<String, List<Result>> line : lines.entrySet()) {
            String color = colors[c % colors.length];
            StringBuilder points = new StringBuilder();
            for (Result r : line.getValue().stream().sorted((a, b) -> Long.compare(a.shape().m(), b.shape().m())).toList()) {
                double x = left + plotW * (Math.log(r.shape().m() / minN) / Math.log(Math.max(2, maxN / minN)));
                double y = top + plotH - plotH * r.gflops() / maxG;
                points.append(String.format("%.1f,%.1f ", x, y));
                if (r.forkMillis().length > 1) {
                    double low = top + plotH - plotH * r.gflops(r.slowestMillis()) / maxG;
                    double high = top + plotH - plotH * r.gflops(r.fastestMillis()) / maxG;
                    svg.append(String.format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"6\""
                            + " stroke-opacity=\"0.4\"/>%n", x, low, x, high, color));
                }
            }
            svg.append(String.format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", color, points.toString().trim()));
            int ly = top + 10 + 18 * c;
            svg.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    left + plotW + 10, ly, left + plotW + 30, ly, color));
            svg.append(String.format("<text x=\"%d\" y=\"%d\">%s</text>%n", left + plotW + 35, ly + 4, line.getKey()));
            c++;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }
}
