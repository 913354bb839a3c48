package dev.colossus.cpu.ordering;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.op.TopK;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * {@link TopK} for F32, F16, BF16, I32 and BOOL lines: each element becomes one {@code long} whose
 * signed order is TopK's order, {@code key << 32 | position} with the key a 32-bit image of the value
 * that orders as the value does (NaN above +Inf, -0 as +0; complemented for largest-first), so equal
 * values fall in position order and the sort is stable for free. k of n: a whole line sorted with
 * {@link Arrays#sort(long[])} when k is a large part of n, else one pass keeping the k best in a heap
 * of longs. Lines are split across the workers; along an axis other than the last, neighbouring lines
 * are read together as a tile ({@link #ACROSS}).
 */
public final class CpuOrdering {
    /**
     * Along an axis other than the last, with the last dimension contiguous, up to this many
     * neighbouring lines (columns) are read together, a row of them at a time, and their indices
     * written likewise: one line alone touches a cache line for each of its elements, and leaves the
     * line's other columns to be read (and written) again.
     */
    private static final int ACROSS = 64;
    /** The most values such a tile of lines holds: 256 KiB of floats, in L2. */
    private static final int TILE = 1 << 16;

    private CpuOrdering() {
    }

    /** Whether {@link #topk} computes {@code op}: 32-bit or narrower values, lines under 2^31. */
    public static boolean handles(TopK op) {
        DType dtype = op.x().dtype();
        return (FloatIO.handles(dtype) || dtype == DType.I32) && op.x().dim(op.axis()) < Integer.MAX_VALUE;
    }

    public static void topk(TopK op) {
        Operand x = op.x(), out = op.out();
        int axis = op.axis();
        int n = (int) x.dim(axis), k = op.k();
        long lines = n == 0 ? 0 : x.numel() / n;
        long[] dims = x.shape().dims();
        int last = x.rank() - 1;
        long columns = dims.length == 0 ? 1 : dims[last];
        int across = axis != last && x.strides()[last] == 1 && FloatIO.handles(x.dtype()) && n > 0
                ? (int) Math.min(ACROSS, Math.max(1, TILE / n)) : 1;
        int tasks = CpuParallel.tasksFor(lines * Math.max(n, 1), 1 << 15);
        CpuParallel.forEach(tasks, t -> {
            float[] values = new float[n];
            float[] tile = across > 1 ? new float[n * across] : null;
            long[] chosen = across > 1 ? new long[k * across] : null;
            long[] keys = new long[n];
            MemorySegment m = out.segment();
            for (long line = lines * t / tasks, end = lines * (t + 1) / tasks; line < end;) {
                // lines side by side along the last dimension: neighbouring columns, read together a row at a time
                int group = across == 1 ? 1 : (int) Math.min(Math.min(across, end - line), columns - line % columns);
                long from = x.offset() + offset(line, axis, dims, x.strides());
                long to = out.offset() + offset(line, axis, out.shape().dims(), out.strides());
                boolean tiled = group > 1 && out.strides()[last] == 1;
                if (group > 1) {
                    for (int j = 0; j < n; j++) {
                        FloatIO.load(x, from + j * x.strides()[axis], 1, tile, j * group, group);
                    }
                }
                for (int c = 0; c < group; c++) {
                    if (group > 1) {
                        for (int j = 0; j < n; j++) {
                            values[j] = tile[j * group + c];
                        }
                        keysOf(values, keys, n);
                    } else {
                        read(x, from, x.strides()[axis], values, keys, n);
                    }
                    for (int j = 0; j < n; j++) {
                        keys[j] = (long) (op.largest() ? ~(int) keys[j] : (int) keys[j]) << 32 | j;
                    }
                    long[] best = best(keys, n, k);
                    for (int j = 0; j < k; j++) {
                        if (tiled) {
                            chosen[j * group + c] = best[j] & 0xFFFFFFFFL;
                        } else {
                            long at = to + c * out.strides()[last] + j * out.strides()[axis];
                            m.set(ValueLayout.JAVA_LONG_UNALIGNED, at * 8, best[j] & 0xFFFFFFFFL);
                        }
                    }
                }
                for (int j = 0; tiled && j < k; j++) {
                    MemorySegment.copy(chosen, j * group, m, ValueLayout.JAVA_LONG_UNALIGNED, (to + j * out.strides()[axis]) * 8, group);
                }
                line += group;
            }
        });
    }

    /**
     * Each value's order key in the low 32 bits of {@code keys}, as a signed int: floats by their bits
     * (negatives complemented, the sign bit flipped), NaN made one NaN, -0 made +0; I32 and BOOL as they are.
     */
    private static void read(Operand x, long from, long stride, float[] values, long[] keys, int n) {
        if (x.dtype() == DType.I32) {
            MemorySegment m = x.segment();
            for (int j = 0; j < n; j++) {
                keys[j] = m.get(ValueLayout.JAVA_INT_UNALIGNED, (from + j * stride) * 4);
            }
            return;
        }
        FloatIO.load(x, from, stride, values, 0, n);
        keysOf(values, keys, n);
    }

    /** {@link #read}'s keys of n float values. */
    private static void keysOf(float[] values, long[] keys, int n) {
        for (int j = 0; j < n; j++) {
            float v = values[j];
            int bits = Float.isNaN(v) ? 0x7FC00000 : Float.floatToRawIntBits(v + 0f);
            keys[j] = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
        }
    }

    /**
     * The k smallest keys in ascending order: the whole line sorted when k is a large part of it, else
     * one pass keeping the k smallest in a max-heap at the front of {@code keys} (a key enters only
     * when it is below the heap's top), the heap sorted at the end.
     */
    private static long[] best(long[] keys, int n, int k) {
        if (k == 0) {
            return keys;
        }
        if ((long) k * 8 >= n) {
            Arrays.sort(keys, 0, n);
            return keys;
        }
        for (int j = k / 2 - 1; j >= 0; j--) {
            siftDown(keys, j, k);
        }
        for (int j = k; j < n; j++) {
            if (keys[j] < keys[0]) {
                keys[0] = keys[j];
                siftDown(keys, 0, k);
            }
        }
        Arrays.sort(keys, 0, k);
        return keys;
    }

    /** Restores the max-heap order of {@code heap[0, size)} below position j. */
    private static void siftDown(long[] heap, int j, int size) {
        long key = heap[j];
        for (int child = 2 * j + 1; child < size; child = 2 * j + 1) {
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= key) {
                break;
            }
            heap[j] = heap[child];
            j = child;
        }
        heap[j] = key;
    }

    /** The storage offset of line {@code line}'s first element: the line index row-major over every dimension but the axis. */
    private static long offset(long line, int axis, long[] dims, long[] strides) {
        long offset = 0;
        for (int d = dims.length - 1; d >= 0; d--) {
            if (d != axis) {
                offset += (line % dims[d]) * strides[d];
                line /= dims[d];
            }
        }
        return offset;
    }
}
