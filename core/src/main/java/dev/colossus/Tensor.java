package dev.colossus;

import dev.colossus.op.Arange;
import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.spi.Backend;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An n-dimensional array: a dtype, a shape, and a strided view over storage on one device.
 *
 * <p>Metadata is immutable, and views ({@link #reshape}, {@link #transpose}, {@link #slice},
 * {@link #expand}, ...) share storage without copying. Every method that returns a tensor returns a
 * new handle that its caller owns: closing it releases that handle's hold on the storage and never
 * affects another handle. The storage is freed when its last handle is closed, when the
 * {@link Scope} it was created in closes, or, as a safety net, when the garbage collector finds every
 * handle unreachable. Using a closed handle throws {@link IllegalStateException}.
 *
 * <p>The math is in {@link Ops}.
 */
public final class Tensor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Operand operand;
    private final Cleaner.Cleanable cleanable;
    /** The scope that closes this handle, if any. */
    private volatile Scope scope;
    private volatile boolean closed;

    /** Takes over the one reference {@code operand}'s storage was created with. */
    static Tensor adopt(Operand operand) {
        return new Tensor(operand);
    }

    /** A second handle on {@code operand}'s storage. */
    private static Tensor share(Operand operand) {
        operand.storage().retain();
        return new Tensor(operand);
    }

    /**
     * A new handle on this tensor's storage with another layout. This handle stays reachable until the
     * new one holds the storage, so its cleaner cannot free the storage in between.
     */
    private Tensor shareStorage(Operand layout) {
        try {
            return share(layout);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The operand with its storage held by one more reference, for an op that reads it: the caller
     * releases it. Throws, naming {@code op}, if this handle is closed, even by another thread a moment ago.
     */
    Operand hold(String op) {
        Operand o = operand(op);
        try {
            o.storage().retain();
        } catch (IllegalStateException freed) {
            throw new IllegalStateException(op + ": tensor " + o.describe() + " was closed while the op started", freed);
        } finally {
            Reference.reachabilityFence(this);
        }
        return o;
    }

    private Tensor(Operand operand) {
        this.operand = operand;
        this.cleanable = CLEANER.register(this, new Release(operand.storage()));
        this.scope = Scope.register(this);
    }

    /** {@link Scope#keep} moved this handle to {@code next}, or, when null, to its caller. */
    void movedTo(Scope next) {
        scope = next;
    }

    /** Drops a handle's reference once: run by {@link #close()} or, if never closed, by the cleaner. */
    private record Release(Storage storage) implements Runnable {
        @Override
        public void run() {
            storage.release();
        }
    }

    // ---- creation, on the host ----

    /** Uninitialised memory of the given shape: every element must be written before it is read. */
    static Tensor empty(String op, DType dtype, Shape shape) {
        return adopt(Dispatcher.allocate(op, Device.CPU, dtype, shape));
    }

    /**
     * Every element zero.
     *
     * @param dtype the element type
     * @param shape the dimensions, each non-negative
     * @return a new tensor in host memory
     */
    public static Tensor zeros(DType dtype, long... shape) {
        return filled("zeros", 0, dtype, shape);
    }

    /**
     * Every element one.
     *
     * @param dtype the element type
     * @param shape the dimensions, each non-negative
     * @return a new tensor in host memory
     */
    public static Tensor ones(DType dtype, long... shape) {
        return filled("ones", 1, dtype, shape);
    }

    /**
     * Every element {@code value}, rounded to {@code dtype}.
     *
     * @param value the value of every element
     * @param dtype the element type
     * @param shape the dimensions, each non-negative
     * @return a new tensor in host memory
     */
    public static Tensor full(double value, DType dtype, long... shape) {
        return filled("full", value, dtype, shape);
    }

    private static Tensor filled(String op, double value, DType dtype, long[] shape) {
        Shape s = Shape.checked(op, shape);
        return adopt(Dispatcher.compute(op, Device.CPU, dtype, s, out -> new Fill(out, value)));
    }

    /**
     * A 0-dimensional tensor holding {@code value}.
     *
     * @param value the value, rounded to {@code dtype}
     * @param dtype the element type
     * @return a new tensor of shape {@code ()} in host memory
     */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    /**
     * {@code 0, 1, ..., n-1} as I64.
     *
     * @param n how many values, non-negative
     * @return a new 1-D I64 tensor of n elements
     */
    public static Tensor arange(long n) {
        return arange(0, n, 1, DType.I64);
    }

    /**
     * {@code start, start + step, ...} below {@code end} (above it for a negative step).
     *
     * @param start the first value
     * @param end the bound the values stay short of
     * @param step the difference between neighbours, non-zero
     * @param dtype the element type the values are rounded to
     * @return a new 1-D tensor of {@code ceil((end - start) / step)} elements, or none
     */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0 || !Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("arange: start " + start + ", end " + end + ", step " + step
                    + ": need finite values and a non-zero step");
        }
        long n = (long) Math.max(0, Math.ceil((end - start) / step));
        return adopt(Dispatcher.compute("arange", Device.CPU, dtype, Shape.checked("arange", n),
                out -> new Arange(out, start, step)));
    }

    /**
     * Uniform in [0, 1), from a generator seeded with {@code seed}: the same seed gives the same tensor.
     *
     * @param seed the generator's seed
     * @param dtype the element type the values are rounded to
     * @param shape the dimensions, each non-negative
     * @return a new tensor in host memory
     */
    public static Tensor rand(long seed, DType dtype, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        return HostTensors.generated("rand", dtype, shape, random::nextDouble);
    }

    /**
     * Standard normal, from a generator seeded with {@code seed}: the same seed gives the same tensor.
     *
     * @param seed the generator's seed
     * @param dtype the element type the values are rounded to
     * @param shape the dimensions, each non-negative
     * @return a new tensor in host memory
     */
    public static Tensor randn(long seed, DType dtype, long... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        return HostTensors.generated("randn", dtype, shape, random::nextGaussian);
    }

    /**
     * A copy of {@code data}, row-major, as F32 of the given shape.
     *
     * @param data the values; their count must be the shape's
     * @param shape the dimensions
     * @return a new tensor in host memory
     */
    public static Tensor of(float[] data, long... shape) {
        return HostTensors.fromHeap("of", MemorySegment.ofArray(data), data.length, DType.F32, shape);
    }

    /**
     * A copy of {@code data}, row-major, as F64 of the given shape.
     *
     * @param data the values; their count must be the shape's
     * @param shape the dimensions
     * @return a new tensor in host memory
     */
    public static Tensor of(double[] data, long... shape) {
        return HostTensors.fromHeap("of", MemorySegment.ofArray(data), data.length, DType.F64, shape);
    }

    /**
     * A copy of {@code data}, row-major, as I32 of the given shape.
     *
     * @param data the values; their count must be the shape's
     * @param shape the dimensions
     * @return a new tensor in host memory
     */
    public static Tensor of(int[] data, long... shape) {
        return HostTensors.fromHeap("of", MemorySegment.ofArray(data), data.length, DType.I32, shape);
    }

    /**
     * A copy of {@code data}, row-major, as I64 of the given shape.
     *
     * @param data the values; their count must be the shape's
     * @param shape the dimensions
     * @return a new tensor in host memory
     */
    public static Tensor of(long[] data, long... shape) {
        return HostTensors.fromHeap("of", MemorySegment.ofArray(data), data.length, DType.I64, shape);
    }

    /**
     * A copy of {@code data}, row-major, as BOOL of the given shape.
     *
     * @param data the values; their count must be the shape's
     * @param shape the dimensions
     * @return a new tensor in host memory
     */
    public static Tensor of(boolean[] data, long... shape) {
        byte[] bytes = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            bytes[i] = (byte) (data[i] ? 1 : 0);
        }
        return HostTensors.fromHeap("of", MemorySegment.ofArray(bytes), data.length, DType.BOOL, shape);
    }

    /**
     * A copy of {@code rows} as an F32 matrix of shape (rows, columns); every row must have the same
     * length. No rows give shape (0, 0).
     *
     * @param rows the values, one array a row
     * @return a new tensor in host memory
     */
    public static Tensor of(float[][] rows) {
        int columns = HostTensors.columns("of", rows.length, r -> rows[r] == null ? -1 : rows[r].length);
        float[] data = new float[rows.length * columns];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, data, r * columns, columns);
        }
        return of(data, rows.length, columns);
    }

    /**
     * A copy of {@code rows} as an F64 matrix of shape (rows, columns); every row must have the same
     * length. No rows give shape (0, 0).
     *
     * @param rows the values, one array a row
     * @return a new tensor in host memory
     */
    public static Tensor of(double[][] rows) {
        int columns = HostTensors.columns("of", rows.length, r -> rows[r] == null ? -1 : rows[r].length);
        double[] data = new double[rows.length * columns];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, data, r * columns, columns);
        }
        return of(data, rows.length, columns);
    }

    /**
     * The caller's memory as a tensor, without a copy: row-major (contiguous) strides.
     * The caller keeps the segment alive for as long as the tensor and its views are used. Native
     * memory (an arena's, a mapped file's) is read and written in place; a Java array's ({@code
     * MemorySegment.ofArray}) is read and written too, but the CPU backend copies the part an op reaches
     * into native memory and its results back, as its vector kernels take native memory only.
     *
     * @param segment the caller's memory, the first element at its start
     * @param dtype how its bytes are read
     * @param shape the dimensions
     * @return a tensor over {@code segment}
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        return wrap(segment, dtype, shape, Shape.checked("wrap", shape).contiguousStrides());
    }

    /**
     * The caller's memory as a tensor, without a copy, with the given strides (in elements,
     * non-negative). Throws if the layout reaches past the end of the segment.
     *
     * @param segment the caller's memory, the first element at its start
     * @param dtype how its bytes are read
     * @param shape the dimensions
     * @param strides the step between neighbours along each dimension, in elements
     * @return a tensor over {@code segment}
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, long[] shape, long[] strides) {
        return HostTensors.wrap(segment, dtype, shape, strides, false);
    }

    /**
     * The caller's memory as a constant tensor, without a copy: weights, which nothing writes while
     * they are used. The tensor and its views are read-only (a write into them throws), and the caller
     * promises not to change the memory through any other segment while the tensor lives, so backends
     * may keep forms made from it: the CPU backend packs an F32 weight for matmul once and reuses the
     * panels (up to {@code colossus.cpu.packedWeightBytes}). {@link dev.colossus.io.SafeTensors#read}
     * wraps its tensors so.
     *
     * @param segment the caller's memory, row-major, the first element at its start
     * @param dtype how its bytes are read
     * @param shape the dimensions
     * @return a read-only tensor over {@code segment}
     */
    public static Tensor wrapConstant(MemorySegment segment, DType dtype, long... shape) {
        return HostTensors.wrap(segment, dtype, shape, Shape.checked("wrapConstant", shape).contiguousStrides(), true);
    }

    // ---- metadata ----

    /**
     * The dimensions.
     *
     * @return the shape
     */
    public Shape shape() {
        return operand.shape();
    }

    /**
     * The element type.
     *
     * @return the dtype
     */
    public DType dtype() {
        return operand.dtype();
    }

    /**
     * Where the elements live.
     *
     * @return the device
     */
    public Device device() {
        return operand.storage().device();
    }

    /**
     * Strides in elements, one per dimension.
     *
     * @return a copy of the strides
     */
    public long[] strides() {
        return operand.strides().clone();
    }

    /**
     * Offset of the first element from the start of the storage, in elements.
     *
     * @return the offset, in elements
     */
    public long offset() {
        return operand.offset();
    }

    /**
     * The number of dimensions.
     *
     * @return the rank, 0 for a scalar
     */
    public int rank() {
        return operand.rank();
    }

    /**
     * The number of elements: the product of the dimensions.
     *
     * @return the element count
     */
    public long numel() {
        return operand.numel();
    }

    /**
     * The size of dimension {@code dim} (negative counts from the end).
     *
     * @param dim the dimension
     * @return its size
     */
    public long size(int dim) {
        return operand.dim(shape().axis("size", dim));
    }

    /**
     * Whether the elements lie row-major and back to back in memory.
     *
     * @return true for a contiguous layout
     */
    public boolean isContiguous() {
        return operand.isContiguous();
    }

    /**
     * Whether {@link #close} has been called on this handle.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The host memory this tensor views, without a copy: its whole storage, in which element
     * {@code (i_0, ..., i_{r-1})} lies at byte {@code (offset() + sum_d i_d * strides()[d]) * dtype().byteSize()}.
     * The segment is bound to the storage's life: once the last handle on the storage is closed (or
     * collected), every access through it throws {@link IllegalStateException}, never reads or writes
     * freed memory. A tensor made by {@link #wrap} returns the caller's segment as it was given.
     * Writes through it are seen by every view of the storage.
     *
     * @return the storage's memory
     * @throws IllegalStateException if this handle is closed, or the tensor is not in host memory
     */
    public MemorySegment segment() {
        Operand o = operand("segment");
        if (!(o.storage() instanceof HostStorage host)) {
            throw new IllegalStateException("segment: tensor " + o.describe()
                    + " is not in host memory; copy it there with to(Device.CPU)");
        }
        o.storage().retain();
        try {
            return host.boundSegment();
        } finally {
            o.storage().release();
            Reference.reachabilityFence(this);
        }
    }

    /** The storage and layout, for this package's ops and tests; its raw memory is never handed to users. */
    Operand operand() {
        return operand("operand");
    }

    /** The operand, or a clear exception naming {@code op} if this handle is closed. */
    Operand operand(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": tensor " + operand.describe() + " is closed");
        }
        return operand;
    }

    // ---- views ----

    /**
     * The same elements in row-major order with a new shape: a view when the strides allow it, else
     * a copy. One dimension may be -1, inferred from the others.
     *
     * @param shape the new dimensions, their product the element count (one may be -1)
     * @return a tensor of the new shape
     */
    public Tensor reshape(long... shape) {
        Shape target = inferShape("reshape", shape);
        Operand view = operand("reshape").reshapeView(target);
        if (view != null) {
            return shareStorage(view);
        }
        try (Tensor dense = contiguous()) {
            return share(dense.operand.reshapeView(target));
        }
    }

    /**
     * As {@link #reshape} but never copies: throws when the strides cannot express the new shape.
     *
     * @param shape the new dimensions, their product the element count (one may be -1)
     * @return a view of the new shape
     */
    public Tensor view(long... shape) {
        Shape target = inferShape("view", shape);
        Operand view = operand("view").reshapeView(target);
        if (view == null) {
            throw new IllegalArgumentException("view: " + shape() + " with strides " + Arrays.toString(operand.strides())
                    + " cannot be viewed as " + target + " without a copy; use reshape");
        }
        return shareStorage(view);
    }

    private Shape inferShape(String op, long[] shape) {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1 && inferred < 0) {
                inferred = i;
            } else {
                if (shape[i] < 0) {
                    throw new IllegalArgumentException(op + ": invalid size " + shape[i] + " in " + Shape.format(shape));
                }
                known = known * shape[i];
            }
        }
        long[] dims = shape.clone();
        if (inferred >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw new IllegalArgumentException(op + ": cannot infer -1 in " + Shape.format(shape) + " for " + numel()
                        + " elements of " + shape());
            }
            dims[inferred] = numel() / known;
        }
        Shape target = Shape.checked(op, dims);
        if (target.numel() != numel()) {
            throw new IllegalArgumentException(op + ": " + shape() + " (" + numel() + " elements) cannot become "
                    + target + " (" + target.numel() + " elements)");
        }
        return target;
    }

    /**
     * Dimensions {@code dim0} and {@code dim1} swapped.
     *
     * @param dim0 a dimension (negative counts from the end)
     * @param dim1 the other
     * @return a view
     */
    public Tensor transpose(int dim0, int dim1) {
        Shape s = shape();
        return shareStorage(operand("transpose").transpose(s.axis("transpose", dim0), s.axis("transpose", dim1)));
    }

    /**
     * Dimensions reordered: result dimension {@code i} is this tensor's {@code dims[i]}.
     *
     * @param dims every dimension once, in the new order
     * @return a view
     */
    public Tensor permute(int... dims) {
        Shape s = shape();
        if (dims.length != s.rank()) {
            throw new IllegalArgumentException("permute: " + dims.length + " dims " + Arrays.toString(dims)
                    + " for shape " + s + " of rank " + s.rank());
        }
        int[] axes = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            axes[i] = s.axis("permute", dims[i]);
            if (seen[axes[i]]) {
                throw new IllegalArgumentException("permute: dim " + dims[i] + " repeated in " + Arrays.toString(dims));
            }
            seen[axes[i]] = true;
        }
        return shareStorage(operand("permute").permute(axes));
    }

    /**
     * Elements {@code start, start+step, ...} before {@code end} along {@code dim}, Python-style:
     * negative {@code start}/{@code end} count from the end and both are clamped to the size.
     *
     * @param dim the dimension (negative counts from the end)
     * @param start the first index
     * @param end the index the slice stops short of
     * @param step the distance between taken indices, positive
     * @return a view
     */
    public Tensor slice(int dim, long start, long end, long step) {
        int axis = shape().axis("slice", dim);
        if (step <= 0) {
            throw new IllegalArgumentException("slice: step must be positive, got " + step);
        }
        long size = shape().dim(axis);
        long from = Math.clamp(start < 0 ? start + size : start, 0, size);
        long to = Math.clamp(end < 0 ? end + size : end, from, size);
        return shareStorage(operand("slice").slice(axis, from, to, step));
    }

    /**
     * {@link #slice(int, long, long, long)} with step 1.
     *
     * @param dim the dimension (negative counts from the end)
     * @param start the first index
     * @param end the index the slice stops short of
     * @return a view
     */
    public Tensor slice(int dim, long start, long end) {
        return slice(dim, start, end, 1);
    }

    /**
     * {@code length} elements from {@code start} along {@code dim}; throws if they are not all there.
     *
     * @param dim the dimension (negative counts from the end)
     * @param start the first index
     * @param length how many
     * @return a view
     */
    public Tensor narrow(int dim, long start, long length) {
        int axis = shape().axis("narrow", dim);
        long size = shape().dim(axis);
        if (start < 0 || length < 0 || start > size - length) {
            throw new IllegalArgumentException("narrow: start " + start + " length " + length + " is out of range for dim "
                    + dim + " of size " + size + " in " + shape());
        }
        return shareStorage(operand("narrow").slice(axis, start, start + length, 1));
    }

    /**
     * The slice at {@code index} along {@code dim}, that dimension removed.
     *
     * @param dim the dimension (negative counts from the end)
     * @param index the index along it (negative counts from the end)
     * @return a view of rank one less
     */
    public Tensor select(int dim, long index) {
        int axis = shape().axis("select", dim);
        long size = shape().dim(axis);
        long i = index < 0 ? index + size : index;
        if (i < 0 || i >= size) {
            throw new IllegalArgumentException("select: index " + index + " is out of range for dim " + dim
                    + " of size " + size + " in " + shape());
        }
        return shareStorage(operand("select").slice(axis, i, i + 1, 1).squeeze(axis));
    }

    /**
     * Broadcast to a larger shape without copying: size-1 dimensions repeat (stride 0) and new leading
     * dimensions appear. A size of -1 keeps the existing size.
     *
     * @param shape the target dimensions
     * @return a view
     */
    public Tensor expand(long... shape) {
        int lead = shape.length - rank();
        long[] dims = shape.clone();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1 && i >= lead) {
                dims[i] = shape().dim(i - lead);
            }
        }
        return broadcastTo(Shape.checked("expand", dims));
    }

    /**
     * Broadcast to {@code target} without copying.
     *
     * @param target a shape this one broadcasts to
     * @return a view
     */
    public Tensor broadcastTo(Shape target) {
        if (!shape().broadcastsTo(target)) {
            throw new IllegalArgumentException("expand: shape " + shape() + " does not broadcast to " + target);
        }
        return shareStorage(operand("expand").broadcastTo(target));
    }

    /**
     * Every dimension of size 1 removed.
     *
     * @return a view
     */
    public Tensor squeeze() {
        Operand o = operand("squeeze");
        for (int d = o.rank() - 1; d >= 0; d--) {
            if (o.dim(d) == 1) {
                o = o.squeeze(d);
            }
        }
        return shareStorage(o);
    }

    /**
     * Dimension {@code dim} removed; it must have size 1.
     *
     * @param dim the dimension (negative counts from the end)
     * @return a view
     */
    public Tensor squeeze(int dim) {
        int axis = shape().axis("squeeze", dim);
        if (shape().dim(axis) != 1) {
            throw new IllegalArgumentException("squeeze: dim " + dim + " of " + shape() + " has size "
                    + shape().dim(axis) + ", not 1");
        }
        return shareStorage(operand("squeeze").squeeze(axis));
    }

    /**
     * A dimension of size 1 inserted at {@code dim} (in {@code -rank-1..rank}).
     *
     * @param dim where the new dimension goes
     * @return a view
     */
    public Tensor unsqueeze(int dim) {
        int axis = dim < 0 ? dim + rank() + 1 : dim;
        if (axis < 0 || axis > rank()) {
            throw new IllegalArgumentException("unsqueeze: dim " + dim + " is out of range for shape " + shape()
                    + " (rank " + rank() + ")");
        }
        return shareStorage(operand("unsqueeze").unsqueeze(axis));
    }

    // ---- copies and conversions ----

    /**
     * Consecutive views along {@code dim} of the given sizes, which add up to its size.
     *
     * @param dim the dimension (negative counts from the end)
     * @param sizes the parts' sizes
     * @return the views, in order
     */
    public List<Tensor> split(int dim, long... sizes) {
        return Joins.split(this, dim, sizes);
    }

    /**
     * At most n views along {@code dim} of {@code ceil(size / n)} elements each, the last smaller (as torch.chunk).
     *
     * @param n the most parts, positive
     * @param dim the dimension (negative counts from the end)
     * @return the views, in order
     */
    public List<Tensor> chunk(int n, int dim) {
        return Joins.chunk(this, n, dim);
    }

    // ---- writes in place ----

    /**
     * Writes src's values into this tensor's elements (a view's only): src broadcast to this shape, cast
     * to this dtype, moved from its device if elsewhere. As if src were read whole before anything is
     * written: a src that overlaps this view is copied first. A KV cache step is
     * {@code cache.narrow(2, pos, n).copyFrom(k)}.
     *
     * @param src the values, broadcastable to this shape
     * @throws UnsupportedOperationException when this tensor wraps read-only memory (a mapped file)
     */
    public void copyFrom(Tensor src) {
        Writes.copyFrom(this, src);
    }

    /**
     * Sets every element of this tensor (a view's only) to {@code value}, cast to its dtype.
     *
     * @param value the value
     */
    public void fill(double value) {
        Writes.fill(this, value);
    }

    /**
     * Writes {@code src.select(dim, j)} into {@code select(dim, index[j])} for each j, in place: index
     * I32/I64, 1-D, without repeats; src this shape with dim of index's length. {@link Ops#indexCopy}
     * makes a new tensor instead.
     *
     * @param dim the dimension indexed (negative counts from the end)
     * @param index where each of src's slices goes
     * @param src the slices
     * @throws IndexOutOfBoundsException for an index outside {@code [0, size(dim))}, before anything is written
     */
    public void indexCopy(int dim, Tensor index, Tensor src) {
        Indexing.indexCopy("indexCopy", this, dim, index, src);
    }

    /**
     * The same values, row-major and contiguous: a view when already so, else a copy.
     *
     * @return this tensor's values, contiguous
     */
    public Tensor contiguous() {
        Operand o = operand("contiguous");
        return o.isContiguous() ? shareStorage(o) : copy();
    }

    /**
     * A contiguous copy in fresh storage, always.
     *
     * @return the copy
     */
    public Tensor copy() {
        return to(dtype(), "copy");
    }

    /**
     * The values cast to {@code dtype} (a view when it is already that dtype): to nearest even into
     * floating types; toward zero into integers, NaN to 0, past I64's range saturating, into I32 the low
     * 32 bits of that I64 (see {@link dev.colossus.op.Copy}); non-zero to {@code true}.
     *
     * @param dtype the element type wanted
     * @return the values in that dtype
     */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) {
            return shareStorage(operand("to"));
        }
        return to(dtype, "to");
    }

    private Tensor to(DType dtype, String op) {
        Operand src = operand(op);
        return adopt(Dispatcher.compute(op, device(), dtype, shape(), out -> new Copy(src, out), this));
    }

    /**
     * The values on {@code device} (a view when already there), copied through host memory.
     *
     * @param device the device wanted
     * @return the values there
     */
    public Tensor to(Device device) {
        if (device.equals(device())) {
            return shareStorage(operand("to"));
        }
        try (Tensor dense = contiguous()) {
            Operand src = dense.operand;
            long bytes = numel() * dtype().byteSize();
            Operand out = Dispatcher.allocate("to", device, dtype(), shape());
            try {
                Backend from = Backends.forDevice(device());
                Backend to = Backends.forDevice(device);
                long srcByte = src.offset() * dtype().byteSize();
                if (from.device().equals(Device.CPU)) {
                    to.copyFromHost(src.segment().asSlice(srcByte, bytes), out.storage(), 0, bytes);
                } else if (to.device().equals(Device.CPU)) {
                    from.copyToHost(src.storage(), srcByte, out.segment(), bytes);
                } else {
                    try (Tensor staged = dense.to(Device.CPU)) {
                        to.copyFromHost(staged.operand.segment().asSlice(staged.offset() * dtype().byteSize(), bytes),
                                out.storage(), 0, bytes);
                    }
                }
            } catch (RuntimeException | Error e) {
                Dispatcher.releaseAfterFailure(out.storage(), e);
                throw e;
            }
            return adopt(out);
        }
    }

    /**
     * The values as F32, row-major.
     *
     * @return a new array of {@link #numel} values
     */
    public float[] toFloatArray() {
        try (Tensor host = hostContiguous("toFloatArray", DType.F32)) {
            return host.operand.segment().asSlice(host.offset() * 4, numel() * 4).toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /**
     * The values as F64, row-major.
     *
     * @return a new array of {@link #numel} values
     */
    public double[] toDoubleArray() {
        try (Tensor host = hostContiguous("toDoubleArray", DType.F64)) {
            return host.operand.segment().asSlice(host.offset() * 8, numel() * 8).toArray(ValueLayout.JAVA_DOUBLE);
        }
    }

    /**
     * The values as I64, row-major.
     *
     * @return a new array of {@link #numel} values
     */
    public long[] toLongArray() {
        try (Tensor host = hostContiguous("toLongArray", DType.I64)) {
            return host.operand.segment().asSlice(host.offset() * 8, numel() * 8).toArray(ValueLayout.JAVA_LONG);
        }
    }

    /**
     * The values as I32, row-major (cast as {@link #to(DType)} casts).
     *
     * @return a new array of {@link #numel} values
     */
    public int[] toIntArray() {
        try (Tensor host = hostContiguous("toIntArray", DType.I32)) {
            return host.operand.segment().asSlice(host.offset() * 4, numel() * 4).toArray(ValueLayout.JAVA_INT);
        }
    }

    /**
     * The values as booleans, row-major: non-zero is {@code true}.
     *
     * @return a new array of {@link #numel} values
     */
    public boolean[] toBooleanArray() {
        try (Tensor host = hostContiguous("toBooleanArray", DType.BOOL)) {
            byte[] bytes = host.operand.segment().asSlice(host.offset(), numel()).toArray(ValueLayout.JAVA_BYTE);
            boolean[] values = new boolean[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                values[i] = bytes[i] != 0;
            }
            return values;
        }
    }

    /**
     * The values of a matrix as F32 rows.
     *
     * @return {@code size(0)} arrays of {@code size(1)} values
     * @throws IllegalArgumentException unless the tensor has rank 2
     */
    public float[][] toFloatMatrix() {
        int columns = matrixColumns("toFloatMatrix");
        float[] flat = toFloatArray();
        float[][] rows = new float[(int) size(0)][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = Arrays.copyOfRange(flat, r * columns, (r + 1) * columns);
        }
        return rows;
    }

    /**
     * The values of a matrix as F64 rows.
     *
     * @return {@code size(0)} arrays of {@code size(1)} values
     * @throws IllegalArgumentException unless the tensor has rank 2
     */
    public double[][] toDoubleMatrix() {
        int columns = matrixColumns("toDoubleMatrix");
        double[] flat = toDoubleArray();
        double[][] rows = new double[(int) size(0)][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = Arrays.copyOfRange(flat, r * columns, (r + 1) * columns);
        }
        return rows;
    }

    private int matrixColumns(String op) {
        if (rank() != 2) {
            throw new IllegalArgumentException(op + ": tensor " + operand(op).describe() + " has rank " + rank()
                    + ", not 2");
        }
        checkedLength(op, shape());
        return (int) size(1);
    }

    /**
     * Whether every element is close to {@code other}'s, NumPy's {@code allclose} rule:
     * {@code |this - other| <= atol + rtol * |other|} elementwise, the two shapes broadcast together,
     * the values compared as doubles whatever their dtypes and devices; infinities of one sign are
     * close only to each other, NaN is close to NaN only when {@code equalNan}.
     *
     * @param other the values compared with
     * @param rtol the tolerance relative to {@code |other|}
     * @param atol the absolute tolerance
     * @param equalNan whether NaN counts as close to NaN
     * @return true when every element is close
     * @throws IllegalArgumentException when the shapes do not broadcast together
     */
    public boolean allClose(Tensor other, double rtol, double atol, boolean equalNan) {
        Shape both = Shape.broadcast("allClose", shape(), other.shape());
        try (Tensor a = expand(both.dims()); Tensor b = other.expand(both.dims())) {
            double[] x = a.toDoubleArray();
            double[] y = b.toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                boolean close = x[i] == y[i]
                        || (Double.isFinite(y[i]) && Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i]))
                        || (equalNan && Double.isNaN(x[i]) && Double.isNaN(y[i]));
                if (!close) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * {@link #allClose(Tensor, double, double, boolean)} with NumPy's defaults: rtol 1e-5, atol 1e-8,
     * NaN never close.
     *
     * @param other the values compared with
     * @return true when every element is close
     */
    public boolean allClose(Tensor other) {
        return allClose(other, 1e-5, 1e-8, false);
    }

    /**
     * Whether {@code other} has this shape and equal values, {@code torch.equal}'s rule: dtypes and
     * devices may differ, integers are compared exactly, NaN equals nothing and {@code -0.0} equals
     * {@code 0.0}. ({@link #equals} stays identity: a tensor is a mutable handle.)
     *
     * @param other the values compared with
     * @return true when the shapes and every value are equal
     */
    public boolean valuesEqual(Tensor other) {
        if (!shape().equals(other.shape())) {
            return false;
        }
        if (!dtype().isFloatingPoint() && !other.dtype().isFloatingPoint()) {
            return Arrays.equals(toLongArray(), other.toLongArray());
        }
        return allClose(other, 0, 0, false);
    }

    /**
     * The single value of a one-element tensor, as a double.
     *
     * @return the value
     */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: tensor " + operand("item").describe() + " has " + numel()
                    + " elements, not 1");
        }
        return toDoubleArray()[0];
    }

    /**
     * Writes the values, row-major, in this tensor's dtype, to the start of {@code dst}.
     *
     * @param dst memory of at least {@code numel() * dtype().byteSize()} bytes
     */
    public void copyTo(MemorySegment dst) {
        long bytes = numel() * dtype().byteSize();
        if (dst.byteSize() < bytes) {
            throw new IllegalArgumentException("copyTo: tensor " + operand("copyTo").describe() + " needs " + bytes
                    + " bytes, the segment has " + dst.byteSize());
        }
        try (Tensor host = hostContiguous("copyTo", dtype())) {
            MemorySegment.copy(host.operand.segment(), host.offset() * dtype().byteSize(), dst, 0, bytes);
        }
    }

    private Tensor hostContiguous(String op, DType dtype) {
        checkedLength(op, shape());
        try (Tensor host = to(Device.CPU); Tensor cast = host.to(dtype)) {
            return cast.contiguous();
        }
    }

    private static int checkedLength(String op, Shape shape) {
        if (shape.numel() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": " + shape + " has " + shape.numel()
                    + " elements, more than a Java array holds");
        }
        return (int) shape.numel();
    }

    /** Releases this handle's hold on the storage; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cleanable.clean();
            Scope owner = scope;
            if (owner != null) {
                owner.forget(this);
            }
        }
    }

    /**
     * The shape, dtype and device on the first line ({@code Tensor(2,3) F32 cpu}), the values below
     * as NumPy prints them, read from the tensor's device; beyond 1000 elements only the first and last
     * three along each dimension are read and shown. A closed handle shows {@code closed} and no
     * values; values that cannot be read (a lost GPU context) are replaced by the reason.
     *
     * @return the description and the values
     */
    @Override
    public String toString() {
        if (closed) {
            return describe();
        }
        try {
            return describe() + "\n" + TensorFormat.values(this);
        } catch (RuntimeException unreadable) {
            return describe() + " (values unreadable: " + unreadable.getMessage() + ")";
        }
    }

    /** {@code Tensor(2,3) F32 cpu}, with {@code closed} when it is: for messages, which show no values. */
    String describe() {
        return "Tensor" + operand.describe() + (closed ? " closed" : "");
    }
}
