package dev.colossus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed reports come from their committed JMH results: regenerated, each is the same file,
 * its plot included, so a figure in them can be traced to the run that measured it. Surefire runs in
 * {@code benchmarks/}.
 */
class ReportsTest {
    private static final Path RESULTS = Path.of("results/cpu");

    @Test
    void theMatmulReportAndPlotRegenerateFromTheirResults() throws IOException {
        List<MatMulReport.Result> results = new ArrayList<>();
        results.addAll(MatMulReport.read("2 threads", RESULTS.resolve("matmul-run9-2threads.json")));
        results.addAll(MatMulReport.read("1 thread", RESULTS.resolve("matmul-run9-1thread.json")));
        assertEquals(Files.readString(RESULTS.resolve("matmul.md")), MatMulReport.markdown(results));
        String svg = MatMulReport.svg(results);
        assertEquals(Files.readString(RESULTS.resolve("matmul.svg")), svg);
        for (String series : List.of("colossus (2 threads)", "openblas (2 threads)", "colossus (1 thread)", "openblas (1 thread)")) {
            assertTrue(svg.contains(">" + series + "<"), "the legend names " + series);
        }
    }

    @Test
    void theBf16BesideF32ReportRegeneratesFromItsResults() throws IOException {
        String md = MatMulReport.bf16BesideF32("2 threads", JmhResults.read(RESULTS.resolve("matmul-zen5-bf16-beside-f32.json")));
        assertEquals(Files.readString(RESULTS.resolve("matmul-zen5-bf16-beside-f32.md")), md);
        assertTrue(md.contains("| 0.97, 0.87, 0.94, 0.97, 0.95 | 0.87 | 0.95 |"), "each fork's ratio, the slowest and the median");
    }

    @Test
    void theAttentionReportAndPlotRegenerateFromTheirResults() throws IOException {
        List<JmhResults.Result> results = JmhResults.read(RESULTS.resolve("attention.json"));
        List<AttentionReport.Bar> bars = new ArrayList<>();
        String machine = Files.readString(RESULTS.resolve("attention-machine.txt")).strip();
        assertEquals(Files.readString(RESULTS.resolve("attention.md")), AttentionReport.markdown(results, machine, bars));
        assertEquals(Files.readString(RESULTS.resolve("attention.svg")), AttentionReport.svg(bars));
    }
}
