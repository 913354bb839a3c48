package dev.colossus.cpu.matmul;

/**
 * How the packed GEMM splits C between threads: {@code rows x columns} rectangles of whole tiles, one a
 * thread. A thread packs the A rows and B columns of its own rectangle, so with {@code c} columns of
 * rectangles A is packed c times, and B r times with r rows of them. {@link #best} takes the grid whose
 * slowest thread has the least to do, counting a packed element as {@link #PACK_COST} multiply-adds.
 *
 * @param rows rectangles down C
 * @param columns rectangles across C
 */
record RectangleGrid(int rows, int columns) {
    /**
     * Multiply-adds a packed element costs: 40, from one thread packing a 1024 x 1024 F32 A in 0.4 ms
     * while its micro-kernel ran 100 G multiply-adds a second.
     */
    static final long PACK_COST = 40;

    /**
     * The grid for up to {@code threads} threads over an {@code m x n} product of {@code mr x nr} tiles:
     * of every {@code r x c <= threads} with at least a tile a rectangle, the one
     * whose largest rectangle costs least (a thread left idle shows as a larger rectangle); on a tie,
     * fewer rectangles, then fewer rows (each thread's rows of C lie together).
     */
    static RectangleGrid best(int threads, long m, long n, int mr, int nr) {
        long rowPanels = (m + mr - 1) / mr, columnPanels = (n + nr - 1) / nr;
        RectangleGrid best = new RectangleGrid(1, 1);
        long bestCost = Long.MAX_VALUE;
        for (int r = 1; r <= Math.min(threads, rowPanels); r++) {
            for (int c = 1; r * c <= threads && c <= columnPanels; c++) {
                long height = (rowPanels + r - 1) / r * mr, width = (columnPanels + c - 1) / c * nr;
                long cost = height * width + PACK_COST * (height + width);
                if (cost < bestCost) {
                    best = new RectangleGrid(r, c);
                    bestCost = cost;
                }
            }
        }
        return best;
    }

    /** How many rectangles: one a thread. */
    int count() {
        return rows * columns;
    }

    /**
     * Rectangle {@code t} (row-major over the grid) of an {@code m x n} C of {@code mr x nr} tiles, as
     * {@code {rowFrom, rowTo, columnFrom, columnTo}}: whole tiles, as even as they allow, cut at m and n.
     */
    long[] rectangle(int t, long m, long n, int mr, int nr) {
        long rowPanels = (m + mr - 1) / mr, columnPanels = (n + nr - 1) / nr;
        int row = t / columns, column = t % columns;
        return new long[] {rowPanels * row / rows * mr, Math.min(m, rowPanels * (row + 1) / rows * mr),
                columnPanels * column / columns * nr, Math.min(n, columnPanels * (column + 1) / columns * nr)};
    }
}
