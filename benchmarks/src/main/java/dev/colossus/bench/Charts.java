package dev.colossus.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The reports' charts, drawn by JFreeChart and written as SVG by JFreeSVG, so that every report
 * looks alike: a legend beside the plot that names every series in its own colour, and the spread
 * of the forks as an error bar. Headless: nothing needs a display.
 */
final class Charts {
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

    private Charts() {
    }

    /** A point of a line: y is the median fork's, low and high the slowest and fastest fork's. */
    record Point(double x, double y, double low, double high) {
    }

    /**
     * One line of {@link #lines}: the lines of one group share a colour, and are told apart by dashes.
     *
     * @param name the legend's label
     * @param group what the colour stands for (a library, say, whose runs are the group's lines)
     * @param points the points, in any order
     * @param dashed whether the line is drawn dashed (a second run of the same group)
     */
    record Line(String name, String group, List<Point> points, boolean dashed) {
    }

    /** Tableau's ten colours, told apart in print and by most colour-blind readers. */
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    /**
     * A bar of {@link #bars}: a measured value and its target, if any.
     *
     * @param label the category
     * @param value the value measured
     * @param target the value wanted, or null
     */
    record Bar(String label, double value, Double target) {
    }

    /** Lines with error bars over a log2 x axis, as SVG of {@code width} x {@code height}. */
    static String lines(String title, String xLabel, String yLabel, List<Line> lines, int width, int height) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (Line line : lines) {
            YIntervalSeries series = new YIntervalSeries(line.name());
            line.points().forEach(p -> series.add(p.x(), p.y(), p.low(), p.high()));
            data.addSeries(series);
        }
        LogAxis x = new LogAxis(xLabel);
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new java.text.DecimalFormat("0"));
        NumberAxis y = new NumberAxis(yLabel);
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDefaultLinesVisible(true);
        renderer.setErrorStroke(new BasicStroke(3f));
        renderer.setCapLength(6);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        List<String> groups = lines.stream().map(Line::group).distinct().toList();
        for (int i = 0; i < lines.size(); i++) {
            Color colour = PALETTE[groups.indexOf(lines.get(i).group()) % PALETTE.length];
            renderer.setSeriesPaint(i, colour);
            renderer.setSeriesShapesVisible(i, true);
            renderer.setSeriesStroke(i, lines.get(i).dashed()
                    ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
                    : new BasicStroke(2f));
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return svg(List.of(chart(title, plot)), width, List.of(height));
    }

    /**
     * Groups of horizontal bars, one chart a group stacked top to bottom, each with its targets as
     * red marks beside the bars; SVG {@code width} wide.
     */
    static String bars(List<String> titles, List<List<Bar>> groups, int width) {
        List<JFreeChart> charts = new java.util.ArrayList<>();
        List<Integer> heights = new java.util.ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<Bar> group = groups.get(g);
            if (group.isEmpty()) {
                continue;
            }
            DefaultCategoryDataset measured = new DefaultCategoryDataset();
            DefaultCategoryDataset targets = new DefaultCategoryDataset();
            for (Bar bar : group) {
                measured.addValue(bar.value(), "measured", bar.label());
                targets.addValue(bar.target(), "target", bar.label());
            }
            BarRenderer bars = new BarRenderer();
            bars.setBarPainter(new StandardBarPainter());
            bars.setShadowVisible(false);
            bars.setSeriesPaint(0, new Color(0x4a7ab5));
            bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("0.00")));
            bars.setDefaultItemLabelsVisible(true);
            bars.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
            LineAndShapeRenderer marks = new LineAndShapeRenderer(false, true);
            marks.setSeriesPaint(0, new Color(0xcc0000));
            marks.setSeriesShape(0, new Rectangle(-2, -9, 4, 18));
            NumberAxis values = new NumberAxis();
            values.setUpperMargin(0.1); // room for the longest bar's label
            CategoryPlot plot = new CategoryPlot(measured, new CategoryAxis(), values, bars);
            plot.setDataset(1, targets);
            plot.setRenderer(1, marks);
            plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
            plot.setOrientation(PlotOrientation.HORIZONTAL);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            charts.add(chart(titles.get(g), plot));
            heights.add(110 + 28 * group.size());
        }
        return svg(charts, width, heights);
    }

    private static JFreeChart chart(String title, org.jfree.chart.plot.Plot plot) {
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.RIGHT);
        return chart;
    }

    /** The charts one below the other, each its height. */
    private static String svg(List<JFreeChart> charts, int width, List<Integer> heights) {
        int height = heights.stream().mapToInt(Integer::intValue).sum();
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        g.setDefsKeyPrefix("chart-"); // not the time of day: the same results give the same file
        int top = 0;
        for (int i = 0; i < charts.size(); i++) {
            charts.get(i).draw(g, new Rectangle(0, top, width, heights.get(i)));
            top += heights.get(i);
        }
        return g.getSVGDocument() + "\n";
    }
}
