package dev.colossus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A tensor's values as text, as NumPy and PyTorch print them: nested brackets, one row of the last
 * dimension per line (wrapped at {@value #LINE_WIDTH} characters), every value the same width.
 *
 * <p>A tensor of more than {@value #SUMMARY_THRESHOLD} elements is summarised: along each dimension
 * longer than {@code 2 * }{@value #EDGE_ITEMS}, only the first and last {@value #EDGE_ITEMS} indices
 * are read (from any device; nothing else is copied) and "..." stands for the rest.
 *
 * <p>Floating values take PyTorch's forms: whole numbers as {@code 3.}; otherwise four decimals,
 * {@code 0.1250}; scientific, {@code 1.2500e-05}, when the finite magnitudes span more than a
 * factor 1000, or one is above 1e8 or a non-zero one below 1e-4; {@code nan}, {@code inf} and
 * {@code -inf} as such. Integers print exactly, BOOL as {@code true}/{@code false}.
 */
final class TensorFormat {
    static final int SUMMARY_THRESHOLD = 1000;
    static final int EDGE_ITEMS = 3;
    static final int LINE_WIDTH = 80;

    /** How many indices are shown along each dimension, and whether a gap follows the first EDGE_ITEMS of them. */
    private final int[] shown;
    private final boolean[] elided;
    private final String[] text;
    private final int width;

    private TensorFormat(Tensor x) {
        int rank = x.rank();
        boolean summarise = x.numel() > SUMMARY_THRESHOLD;
        shown = new int[rank];
        elided = new boolean[rank];
        for (int d = 0; d < rank; d++) {
            long size = x.size(d);
            elided[d] = summarise && size > 2L * EDGE_ITEMS;
            shown[d] = elided[d] ? 2 * EDGE_ITEMS : (int) size;
        }
        text = x.dtype().isFloatingPoint() ? floats(read(x, true).doubles) : integers(x.dtype(), read(x, false).longs);
        int widest = 0;
        for (String s : text) {
            widest = Math.max(widest, s.length());
        }
        width = widest;
    }

    /** The values of {@code x}, bracketed, summarised when large; reads them from its device. */
    static String values(Tensor x) {
        return new TensorFormat(x).render();
    }

    // ---- reading ----

    /** The shown values row-major, as doubles (floating types) or longs (integers and BOOL). */
    private record Values(double[] doubles, long[] longs) {
    }

    /**
     * Reads the shown values block by block: each block is a view taking the first or the last
     * EDGE_ITEMS along every elided dimension (2^k views for k elided dimensions), copied whole.
     */
    private Values read(Tensor x, boolean asDoubles) {
        int rank = shown.length;
        int count = 1;
        for (int n : shown) {
            count *= n;
        }
        double[] doubles = asDoubles ? new double[count] : null;
        long[] longs = asDoubles ? null : new long[count];
        List<Integer> elidedDims = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            if (elided[d]) {
                elidedDims.add(d);
            }
        }
        for (int corner = 0; corner < 1 << elidedDims.size(); corner++) {
            long[] firstShown = new long[rank];
            Tensor block = x;
            try {
                for (int e = 0; e < elidedDims.size(); e++) {
                    int d = elidedDims.get(e);
                    boolean last = (corner >> e & 1) == 1;
                    firstShown[d] = last ? EDGE_ITEMS : 0;
                    Tensor narrowed = block.narrow(d, last ? x.size(d) - EDGE_ITEMS : 0, EDGE_ITEMS);
                    if (block != x) {
                        block.close();
                    }
                    block = narrowed;
                }
                double[] blockDoubles = asDoubles ? block.toDoubleArray() : null;
                long[] blockLongs = asDoubles ? null : block.toLongArray();
                place(block.shape(), firstShown, blockDoubles, blockLongs, doubles, longs);
            } finally {
                if (block != x) {
                    block.close();
                }
            }
        }
        return new Values(doubles, longs);
    }

    /** Copies a block's row-major values to their places among the shown values. */
    private void place(Shape blockShape, long[] firstShown, double[] fromDoubles, long[] fromLongs,
            double[] toDoubles, long[] toLongs) {
        int rank = shown.length;
        long[] index = new long[rank];
        int n = fromDoubles != null ? fromDoubles.length : fromLongs.length;
        for (int i = 0; i < n; i++) {
            int at = 0;
            for (int d = 0; d < rank; d++) {
                at = at * shown[d] + (int) (firstShown[d] + index[d]);
            }
            if (toDoubles != null) {
                toDoubles[at] = fromDoubles[i];
            } else {
                toLongs[at] = fromLongs[i];
            }
            for (int d = rank - 1; d >= 0 && ++index[d] == blockShape.dim(d); d--) {
                index[d] = 0;
            }
        }
    }

    // ---- numbers ----

    private static String[] floats(double[] values) {
        double largest = 0;
        double smallest = Double.POSITIVE_INFINITY;
        boolean whole = true;
        for (double v : values) {
            if (Double.isFinite(v)) {
                double a = Math.abs(v);
                largest = Math.max(largest, a);
                if (a != 0) {
                    smallest = Math.min(smallest, a);
                }
                whole &= v == Math.rint(v);
            }
        }
        boolean anyNonZero = smallest != Double.POSITIVE_INFINITY;
        boolean scientific = whole
                ? largest > 1e8
                : anyNonZero && (largest / smallest > 1000 || largest > 1e8 || smallest < 1e-4);
        String[] text = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (Double.isNaN(v)) {
                text[i] = "nan";
            } else if (Double.isInfinite(v)) {
                text[i] = v > 0 ? "inf" : "-inf";
            } else if (scientific) {
                text[i] = String.format(Locale.ROOT, "%.4e", v);
            } else if (whole) {
                text[i] = String.format(Locale.ROOT, "%.0f.", v);
            } else {
                text[i] = String.format(Locale.ROOT, "%.4f", v);
            }
        }
        return text;
    }

    private static String[] integers(DType dtype, long[] values) {
        String[] text = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            text[i] = dtype == DType.BOOL ? Boolean.toString(values[i] != 0) : Long.toString(values[i]);
        }
        return text;
    }

    // ---- layout ----

    private String render() {
        if (shown.length == 0) {
            return text[0];
        }
        StringBuilder out = new StringBuilder();
        render(out, 0, 0);
        return out.toString();
    }

    /** Dimension {@code d} of the block whose first shown value is {@code first}, its '[' at the current column. */
    private void render(StringBuilder out, int d, int first) {
        int rank = shown.length;
        int stride = 1;
        for (int e = d + 1; e < rank; e++) {
            stride *= shown[e];
        }
        out.append('[');
        if (d == rank - 1) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < shown[d]; i++) {
                if (elided[d] && i == EDGE_ITEMS) {
                    items.add("...");
                }
                items.add(text[first + i]);
            }
            int indent = d + 1;
            int perLine = Math.max(1, (LINE_WIDTH - indent) / (width + 2));
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    out.append(',').append(i % perLine == 0 ? "\n" + " ".repeat(indent) : " ");
                }
                out.append(" ".repeat(Math.max(0, width - items.get(i).length()))).append(items.get(i));
            }
        } else {
            String between = ",\n" + "\n".repeat(rank - d - 2) + " ".repeat(d + 1);
            for (int i = 0; i < shown[d]; i++) {
                if (i > 0) {
                    out.append(between);
                }
                if (elided[d] && i == EDGE_ITEMS) {
                    out.append("...").append(between);
                }
                render(out, d + 1, first + i * stride);
            }
        }
        out.append(']');
    }
}
