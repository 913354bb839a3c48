package dev.colossus;

import java.util.Arrays;

/**
 * The sizes of a tensor's dimensions, outermost first: an immutable list of non-negative longs whose
 * product (the element count) fits in a long. The empty shape {@code ()} is a scalar with one element.
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new long[0], 1);

    private final long[] dims;
    private final long numel;

    private Shape(long[] dims, long numel) {
        this.dims = dims;
        this.numel = numel;
    }

    /**
     * A shape from its dimension sizes; throws if a size is negative or the element count overflows.
     *
     * @param dims the sizes
     * @return the shape
     */
    public static Shape of(long... dims) {
        return checked("shape", dims);
    }

    /**
     * As {@link #of}, naming {@code op} in the exception: {@code "zeros: negative dimension -3 in (2,-3)"}.
     *
     * @param op the op to name in the exception
     * @param dims the sizes
     * @return the shape
     */
    public static Shape checked(String op, long... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        long numel = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative dimension " + d + " in " + format(dims));
            }
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException(op + ": shape " + format(dims) + " has more than "
                        + Long.MAX_VALUE + " elements");
            }
        }
        return new Shape(dims.clone(), numel);
    }

    /**
     * The shape of a 0-dimensional tensor: no dimensions, one element.
     *
     * @return {@code ()}
     */
    public static Shape scalar() {
        return SCALAR;
    }

    /**
     * The number of dimensions.
     *
     * @return the rank
     */
    public int rank() {
        return dims.length;
    }

    /**
     * The size of dimension {@code dim}; negative values count from the end ({@code -1} is the last).
     *
     * @param dim the dimension
     * @return its size
     */
    public long dim(int dim) {
        return dims[dim < 0 ? dim + dims.length : dim];
    }

    /**
     * The sizes, outermost first.
     *
     * @return a copy of the sizes
     */
    public long[] dims() {
        return dims.clone();
    }

    /**
     * The number of elements: the product of the dimensions.
     *
     * @return the element count
     */
    public long numel() {
        return numel;
    }

    /**
     * The index of {@code dim} in {@code [0, rank)}, accepting {@code -rank..-1} as counted from the end.
     * Throws naming {@code op} when it is out of range.
     *
     * @param op the op to name in the exception
     * @param dim the dimension, from the start or (negative) the end
     * @return the dimension counted from the start
     */
    public int axis(String op, int dim) {
        int axis = dim < 0 ? dim + dims.length : dim;
        if (axis < 0 || axis >= dims.length) {
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for shape " + this
                    + " (rank " + dims.length + ")");
        }
        return axis;
    }

    /**
     * Row-major strides, in elements, of a contiguous tensor of this shape.
     *
     * @return one stride a dimension, the last 1
     */
    public long[] contiguousStrides() {
        long[] strides = new long[dims.length];
        long stride = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= Math.max(dims[i], 1);
        }
        return strides;
    }

    /**
     * The NumPy broadcast of two shapes: aligned at the right, each pair of sizes equal or one of them 1.
     * Throws {@code "add: shapes (3,4) and (5) do not broadcast"} otherwise.
     *
     * @param op the op to name in the exception
     * @param a a shape
     * @param b the other
     * @return the shape both broadcast to
     */
    public static Shape broadcast(String op, Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.rank() ? 1 : a.dims[i - (rank - a.rank())];
            long db = i < rank - b.rank() ? 1 : b.dims[i - (rank - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + a + " and " + b + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return of(out);
    }

    /**
     * True when this shape broadcasts to {@code target} without changing {@code target}.
     *
     * @param target the shape to reach
     * @return whether it is reached
     */
    public boolean broadcastsTo(Shape target) {
        if (rank() > target.rank()) {
            return false;
        }
        int lead = target.rank() - rank();
        for (int i = 0; i < rank(); i++) {
            if (dims[i] != 1 && dims[i] != target.dims[lead + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The first {@code count} dimensions.
     *
     * @param count how many, at most the rank
     * @return the leading dimensions
     */
    public Shape prefix(int count) {
        return of(Arrays.copyOfRange(dims, 0, count));
    }

    /**
     * The dimensions from {@code from} to the end.
     *
     * @param from the first dimension kept
     * @return the trailing dimensions
     */
    public Shape suffix(int from) {
        return of(Arrays.copyOfRange(dims, from, dims.length));
    }

    /**
     * This shape with dimension {@code axis} replaced by {@code size}.
     *
     * @param axis the dimension, in {@code [0, rank)}
     * @param size its new size
     * @return the new shape
     */
    public Shape with(int axis, long size) {
        long[] copy = dims.clone();
        copy[axis] = size;
        return of(copy);
    }

    /**
     * This shape followed by {@code more}.
     *
     * @param more the sizes added at the end
     * @return the longer shape
     */
    public Shape append(long... more) {
        long[] out = Arrays.copyOf(dims, dims.length + more.length);
        System.arraycopy(more, 0, out, dims.length, more.length);
        return of(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code (3,4)}; a scalar is {@code ()}. */
    @Override
    public String toString() {
        return format(dims);
    }

    static String format(long[] dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(dims[i]);
        }
        return sb.append(')').toString();
    }
}
