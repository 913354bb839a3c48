package dev.colossus.spi;

import dev.colossus.DType;
import dev.colossus.Shape;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What a kernel sees of a tensor: its storage and a strided layout over it.
 *
 * <p>Element {@code i = (i_0, ..., i_{r-1})} lives at element offset
 * {@code offset + sum_d i_d * strides[d]} of the storage, so at byte
 * {@code (offset + sum_d i_d * strides[d]) * dtype.byteSize()}. Strides may be zero (broadcast) or
 * anything else a view produces; they are never negative. The view methods here make new layouts over
 * the same storage and assume valid arguments: the public API has checked them.
 *
 * @param storage the memory the elements lie in
 * @param dtype   the element type
 * @param shape   the dimensions
 * @param strides in elements, one per dimension; not to be modified
 * @param offset  in elements, from the start of the storage
 */
public record Operand(Storage storage, DType dtype, Shape shape, long[] strides, long offset) {

    /**
     * Checks that there is one stride a dimension.
     *
     * @throws IllegalArgumentException when the strides do not match the shape
     */
    public Operand {
        if (strides.length != shape.rank()) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " do not match shape " + shape);
        }
    }

    /**
     * A contiguous, row-major operand over the start of {@code storage}.
     *
     * @param storage the memory, at least {@code shape.numel() * dtype.byteSize()} bytes
     * @param dtype the element type
     * @param shape the dimensions
     * @return the operand
     */
    public static Operand contiguous(Storage storage, DType dtype, Shape shape) {
        return new Operand(storage, dtype, shape, shape.contiguousStrides(), 0);
    }

    /**
     * The number of dimensions.
     *
     * @return the rank
     */
    public int rank() {
        return shape.rank();
    }

    /**
     * The number of elements.
     *
     * @return the element count
     */
    public long numel() {
        return shape.numel();
    }

    /**
     * The size of dimension {@code axis}; negative values count from the end.
     *
     * @param axis the dimension
     * @return its size
     */
    public long dim(int axis) {
        return shape.dim(axis);
    }

    /**
     * The host memory behind this operand; only for operands in host storage.
     *
     * @return the storage's whole memory (the operand's first element at byte {@code offset * dtype.byteSize()})
     */
    public MemorySegment segment() {
        return ((HostStorage) storage).segment();
    }

    /**
     * True when the elements are laid out row-major without gaps (size-1 dimensions ignored).
     *
     * @return true for a row-major layout without gaps
     */
    public boolean isContiguous() {
        long expected = 1;
        for (int d = rank() - 1; d >= 0; d--) {
            long size = shape.dim(d);
            if (size == 1) {
                continue;
            }
            if (strides[d] != expected) {
                return false;
            }
            expected *= size;
        }
        return true;
    }

    /**
     * This operand with the same storage and a new layout.
     *
     * @param newShape the dimensions
     * @param newStrides one stride a dimension, in elements
     * @param newOffset the first element's offset, in elements
     * @return a new operand over the same storage
     */
    public Operand withLayout(Shape newShape, long[] newStrides, long newOffset) {
        return new Operand(storage, dtype, newShape, newStrides, newOffset);
    }

    /**
     * Broadcast to {@code target} (which this shape {@linkplain Shape#broadcastsTo broadcasts to}): stride 0 where size is 1.
     *
     * @param target the shape
     * @return a new operand over the same storage
     */
    public Operand broadcastTo(Shape target) {
        int lead = target.rank() - rank();
        long[] out = new long[target.rank()];
        for (int d = 0; d < rank(); d++) {
            out[lead + d] = shape.dim(d) == target.dim(lead + d) ? strides[d] : 0;
        }
        return withLayout(target, out, offset);
    }

    /**
     * Dimensions reordered: result dimension {@code i} is this operand's {@code axes[i]}.
     *
     * @param axes every dimension once, in the new order
     * @return a new operand over the same storage
     */
    public Operand permute(int... axes) {
        long[] dims = new long[axes.length];
        long[] str = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            dims[i] = shape.dim(axes[i]);
            str[i] = strides[axes[i]];
        }
        return withLayout(Shape.of(dims), str, offset);
    }

    /**
     * Dimensions {@code a} and {@code b} swapped.
     *
     * @param a a dimension
     * @param b the other
     * @return a new operand over the same storage
     */
    public Operand transpose(int a, int b) {
        int[] axes = new int[rank()];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i;
        }
        axes[a] = b;
        axes[b] = a;
        return permute(axes);
    }

    /**
     * Elements {@code start, start+step, ...} below {@code end} along {@code axis}.
     *
     * @param axis the dimension
     * @param start the first index
     * @param end the index the slice stops short of
     * @param step the distance between taken indices, positive
     * @return a new operand over the same storage
     */
    public Operand slice(int axis, long start, long end, long step) {
        long size = end <= start ? 0 : (end - start - 1) / step + 1;
        long[] str = strides.clone();
        str[axis] = strides[axis] * step;
        return withLayout(shape.with(axis, size), str, offset + (size == 0 ? 0 : start * strides[axis]));
    }

    /**
     * A new dimension of size 1 at {@code axis}.
     *
     * @param axis where the new dimension goes
     * @return a new operand over the same storage
     */
    public Operand unsqueeze(int axis) {
        long[] dims = new long[rank() + 1];
        long[] str = new long[rank() + 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i == axis) {
                dims[i] = 1;
                str[i] = axis < rank() ? strides[axis] * shape.dim(axis) : 1;
            } else {
                dims[i] = shape.dim(j);
                str[i] = strides[j++];
            }
        }
        return withLayout(Shape.of(dims), str, offset);
    }

    /**
     * Dimension {@code axis}, of size 1, removed.
     *
     * @param axis the dimension
     * @return a new operand over the same storage
     */
    public Operand squeeze(int axis) {
        long[] dims = new long[rank() - 1];
        long[] str = new long[rank() - 1];
        for (int i = 0, j = 0; i < rank(); i++) {
            if (i != axis) {
                dims[j] = shape.dim(i);
                str[j++] = strides[i];
            }
        }
        return withLayout(Shape.of(dims), str, offset);
    }

    /**
     * The same elements in row-major order seen as {@code target} (same element count) without moving
     * them, or {@code null} when the strides cannot express it (a copy is needed).
     *
     * @param target the new shape
     * @return a new operand over the same storage, or {@code null}
     */
    public Operand reshapeView(Shape target) {
        long[] newStrides = viewStrides(target);
        return newStrides == null ? null : withLayout(target, newStrides, offset);
    }

    /*
     * Walks this layout from the innermost dimension, grouping dimensions that are contiguous with
     * each other into chunks; each chunk must be covered exactly by a run of target dimensions.
     */
    private long[] viewStrides(Shape target) {
        int newRank = target.rank();
        long[] out = new long[newRank];
        if (numel() == 0 || rank() == 0) {
            return target.contiguousStrides();
        }
        int viewD = newRank - 1;
        long chunkBaseStride = strides[rank() - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int d = rank() - 1; d >= 0; d--) {
            tensorNumel *= shape.dim(d);
            boolean chunkEnds = d == 0
                    || (shape.dim(d - 1) != 1 && strides[d - 1] != tensorNumel * chunkBaseStride);
            if (chunkEnds) {
                while (viewD >= 0 && (viewNumel < tensorNumel || target.dim(viewD) == 1)) {
                    out[viewD] = viewNumel * chunkBaseStride;
                    viewNumel *= target.dim(viewD);
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (d > 0) {
                    chunkBaseStride = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? out : null;
    }

    /**
     * {@code (3,4) F32 cpu}: how error messages name an operand.
     *
     * @return the description
     */
    public String describe() {
        return shape + " " + dtype + " " + storage.device();
    }
}
