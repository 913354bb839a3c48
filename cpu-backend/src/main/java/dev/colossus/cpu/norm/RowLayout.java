package dev.colossus.cpu.norm;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * An operand seen as rows: the leading axes index the rows, the trailing {@code rowAxes} axes (any
 * strides) form one row. Softmax takes its axis as the row; the norms their normalized axes.
 */
final class RowLayout {
    private final Operand operand;
    private final StridedWalk rows;
    private final StridedWalk within;
    private final long rowLength;
    private final boolean contiguousF32;

    /** Rows made of {@code axes} (ascending) of {@code x}; the remaining axes index the rows. */
    RowLayout(Operand x, int... axes) {
        this.operand = x;
        long[] rowDims = new long[axes.length];
        long[] rowStrides = new long[axes.length];
        long[] outerDims = x.shape().dims();
        for (int i = 0; i < axes.length; i++) {
            rowDims[i] = x.dim(axes[i]);
            rowStrides[i] = x.strides()[axes[i]];
            outerDims[axes[i]] = 1;
        }
        Shape rowShape = Shape.of(rowDims);
        this.within = new StridedWalk(rowShape, x.withLayout(rowShape, rowStrides, 0));
        Shape outerShape = Shape.of(outerDims);
        this.rows = new StridedWalk(outerShape, x.withLayout(outerShape, x.strides(), x.offset()));
        this.rowLength = rowShape.numel();
        this.contiguousF32 = x.dtype() == DType.F32 && x.withLayout(rowShape, rowStrides, 0).isContiguous();
    }

    /** Rows made of the last {@code count} axes. */
    static RowLayout trailing(Operand x, int count) {
        int[] axes = new int[count];
        Arrays.setAll(axes, i -> x.rank() - count + i);
        return new RowLayout(x, axes);
    }

    long rows() {
        return rows.numel();
    }

    long rowLength() {
        return rowLength;
    }

    /** True when each row is F32 with its elements contiguous and in order: kernels can read and write it where it lies. */
    boolean contiguousF32() {
        return contiguousF32;
    }

    /** The memory the rows lie in. */
    MemorySegment segment() {
        return operand.segment();
    }

    /** The element offset of the first element of row {@code row}. */
    long start(long row) {
        return rows.offset(0, row);
    }

    /** Loads the row starting at {@code start} into {@code dst[0 : rowLength]} as F32. */
    void load(long start, float[] dst) {
        int[] at = {0};
        within.forRuns(0, rowLength, Integer.MAX_VALUE, (offsets, n) -> {
            FloatIO.load(operand, start + offsets[0], within.innerStride(0), dst, at[0], n);
            at[0] += n;
        });
    }

    /** Stores {@code src[0 : rowLength]} into the row starting at {@code start}. */
    void store(float[] src, long start) {
        int[] at = {0};
        within.forRuns(0, rowLength, Integer.MAX_VALUE, (offsets, n) -> {
            FloatIO.store(src, at[0], n, operand, start + offsets[0], within.innerStride(0));
            at[0] += n;
        });
    }
}
