package dev.colossus.cpu.matmul;

import dev.colossus.cpu.parallel.CpuParallel;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The GEMM's packing buffers as one thread uses them (packed A and B blocks, rows, a tile, the addend's
 * row, column blocks' dot products; F32, F64 for {@link VectorMatMulF64}, and BF16 words for {@link RowProducts#bf16Dots}), each grown as needed and reused, so that a product allocates nothing
 * in steady state.
 *
 * <p>The backend's worker threads keep a set each for good. Any other thread (a caller, perhaps one of
 * thousands of virtual threads) {@linkplain #lease leases} a set for the length of one product and
 * gives it back to a pool that keeps at most one set per worker thread and the caller: the buffers in
 * use grow with the products running at once, not with the threads that ever multiplied.
 */
public final class PackingBuffers {
    /**
     * What a buffer holds. Each kind is one use, so that no two uses live at once in one product share
     * a buffer: {@link ColumnBlocks}'s sums of a task's rows and one block's part of them are SUMS and PART.
     */
    enum Kind { A, B, ROW, TILE, ADDEND, SUMS, PART }

    private static final ThreadLocal<PackingBuffers> CURRENT =
            ThreadLocal.withInitial(() -> CpuParallel.isWorker() ? new PackingBuffers() : null);
    private static final ConcurrentLinkedDeque<PackingBuffers> POOL = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger POOLED = new AtomicInteger();

    private final float[][] arrays = new float[Kind.values().length][0];
    private final double[][] doubleArrays = new double[Kind.values().length][0];
    private final int[][] intArrays = new int[Kind.values().length][0];

    private PackingBuffers() {
    }

    /** The calling thread's buffer of {@code kind}, at least {@code length} floats; inside a {@link #lease} or on a worker. */
    static float[] floats(Kind kind, int length) {
        PackingBuffers buffers = current();
        float[] array = buffers.arrays[kind.ordinal()];
        if (array.length < length) {
            array = new float[length];
            buffers.arrays[kind.ordinal()] = array;
        }
        return array;
    }

    /** As {@link #floats}, of doubles. */
    static double[] doubles(Kind kind, int length) {
        PackingBuffers buffers = current();
        double[] array = buffers.doubleArrays[kind.ordinal()];
        if (array.length < length) {
            array = new double[length];
            buffers.doubleArrays[kind.ordinal()] = array;
        }
        return array;
    }

    /** As {@link #floats}, of ints. */
    static int[] ints(Kind kind, int length) {
        PackingBuffers buffers = current();
        int[] array = buffers.intArrays[kind.ordinal()];
        if (array.length < length) {
            array = new int[length];
            buffers.intArrays[kind.ordinal()] = array;
        }
        return array;
    }

    private static PackingBuffers current() {
        PackingBuffers buffers = CURRENT.get();
        if (buffers == null) {
            throw new IllegalStateException("packing buffers used outside a lease on " + Thread.currentThread());
        }
        return buffers;
    }

    /** A set of buffers for the calling thread until the lease closes; a thread that has one keeps it. */
    static Lease lease() {
        if (CURRENT.get() != null) {
            return () -> { };
        }
        PackingBuffers leased = POOL.poll();
        if (leased != null) {
            POOLED.decrementAndGet();
        } else {
            leased = new PackingBuffers();
        }
        CURRENT.set(leased);
        PackingBuffers returned = leased;
        return () -> {
            CURRENT.remove();
            if (POOLED.incrementAndGet() <= CpuParallel.THREADS) {
                POOL.push(returned);
            } else {
                POOLED.decrementAndGet();
            }
        };
    }

    /** How many sets wait in the pool; at most the thread count. */
    public static int pooled() {
        return POOLED.get();
    }

    /** A lease of buffers, closed when the product is done. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }
}
