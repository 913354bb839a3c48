package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RectangleGridTest {
    @Test
    void oneThreadTakesAll() {
        assertEquals(new RectangleGrid(1, 1), RectangleGrid.best(1, 1024, 1056, 8, 48));
    }

    @Test
    void twoThreadsRepackTheSmallerOperand() {
        // 512 x 512: rows split evenly (32 panels each), columns would be 6 against 5 panels of 48
        assertEquals(new RectangleGrid(2, 1), RectangleGrid.best(2, 512, 528, 8, 48));
        // few rows, many columns: A is cheap to pack twice
        assertEquals(new RectangleGrid(1, 2), RectangleGrid.best(2, 24, 720, 8, 48));
        // many rows, one panel of columns: only rows can split
        assertEquals(new RectangleGrid(2, 1), RectangleGrid.best(2, 4200, 48, 8, 48));
    }

    @Test
    void manyThreadsFormAGridThatFitsThePanels() {
        // one row panel: the threads take columns, no more than there are panels
        assertEquals(new RectangleGrid(1, 3), RectangleGrid.best(8, 8, 144, 8, 48));
        // a large square on 16 threads splits both ways
        RectangleGrid grid = RectangleGrid.best(16, 4096, 4128, 8, 48);
        assertEquals(16, grid.rows() * grid.columns());
        assertEquals(true, grid.rows() > 1 && grid.columns() > 1);
    }
}
