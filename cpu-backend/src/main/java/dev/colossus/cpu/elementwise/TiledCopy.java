package dev.colossus.cpu.elementwise;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.op.Copy;
import dev.colossus.spi.Operand;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A copy between layouts whose unit-stride dimensions differ: {@code out[.., y, .., x, ..] = src[..,
 * y, .., x, ..]} with out contiguous along a (index y) and src along b (index x), as a transpose or a
 * permute made contiguous leaves them ({@code w.transpose(0, 1).contiguous()}). It moves tiles of
 * {@link #TILE} x {@link #TILE} elements through a buffer of its task's, each side read or written
 * along its own rows:
 * <pre>
 *   for each index of the other dimensions, each tile (x0, y0):              in parallel
 *     buffer[x - x0, y - y0] = src[s + y * srcStride_a + x]      along src's rows, y then x
 *     out[o + y + x * outStride_b] = buffer[x - x0, y - y0]      a row of out at a time, copied whole
 * </pre>
 * Element by element along out's rows, each read of a 4096 x 4096 F32 transpose landed on a page of
 * its own: 39-40 ms against a copy's 2.5; tiled, read straight into out, the tile's 64 rows of src, a
 * power of two apart, fell into one set of L1's and evicted each other: 30 ms; through the buffer
 * 17-25 (F32) and 19-21 (BF16, 32-33 before; {@code ElementwiseBench} transpose, Zen 4, two threads).
 * Gathering the tile's columns with the Vector API was no faster (Zen 4's gathers).
 */
final class TiledCopy {
    /** Elements along each side of a tile: 64 x 64 F32 is 16 KiB, half of L1; 16, 32, 128 and 256 were no faster. */
    private static final int TILE = 64;
    /** Bytes per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 17;

    private TiledCopy() {
    }

    /**
     * Copies tile by tile and returns true where {@link #applies}; else returns false and copies nothing.
     */
    static boolean run(Copy op) {
        Operand out = op.out(), src = op.src();
        if (!applies(out, src)) {
            return false;
        }
        int[] axes = tileAxes(out, src);
        int a = axes[0], b = axes[1];
        Tiles tiles = new Tiles(out, src, a, b);
        long count = tiles.count();
        int tasks = CpuParallel.tasksFor(out.numel() * out.dtype().byteSize(), GRAIN);
        CpuParallel.forEach(tasks, t -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate((long) out.dtype().byteSize() * TILE * TILE, 64);
                for (long tile = count * t / tasks; tile < count * (t + 1) / tasks; tile++) {
                    tiles.move(tile, buffer);
                }
            }
        });
        return true;
    }

    /**
     * Whether a copy from src into out goes tile by tile: out and src each have a unit-stride dimension of
     * at least {@link #TILE} / 8 elements, the two differ, src is not broadcast along out's, and out is
     * not empty.
     */
    static boolean applies(Operand out, Operand src) {
        return out.numel() > 0 && tileAxes(out, src) != null;
    }

    /**
     * {a, b}: out's and src's last unit-stride dimensions of at least TILE / 8 elements, or null where
     * either has none, they are one, or src is broadcast along a (stride 0: each of out's rows reads one
     * element, and a run at a time is a fill; tiled, {@code x.expand(4096, 4096).contiguous()} of a
     * column took 15-18 ms against a copy's 2.6).
     */
    private static int[] tileAxes(Operand out, Operand src) {
        long[] dims = out.shape().dims(), outStrides = out.strides(), srcStrides = src.strides();
        int a = -1, b = -1;
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] >= TILE / 8 && outStrides[d] == 1) {
                a = d;
            }
            if (dims[d] >= TILE / 8 && srcStrides[d] == 1) {
                b = d;
            }
        }
        return a < 0 || b < 0 || a == b || srcStrides[a] == 0 ? null : new int[] {a, b};
    }

    /** The tiles of one copy, numbered: the other dimensions' index, then x's tile, then y's. */
    private static final class Tiles {
        private final MemorySegment from, to;
        private final int size;
        private final long ys, xs, yTiles, xTiles;
        /** src's stride along a, out's along b. */
        private final long srcStrideY, outStrideX;
        /** The other dimensions of more than one element, and both operands' strides along them. */
        private final long[] outer, outerOut, outerSrc;
        private final long outBase, srcBase;

        Tiles(Operand out, Operand src, int a, int b) {
            from = src.segment();
            to = out.segment();
            size = out.dtype().byteSize();
            ys = out.dim(a);
            xs = out.dim(b);
            yTiles = (ys + TILE - 1) / TILE;
            xTiles = (xs + TILE - 1) / TILE;
            srcStrideY = src.strides()[a];
            outStrideX = out.strides()[b];
            int others = 0;
            for (int d = 0; d < out.rank(); d++) {
                others += d != a && d != b && out.dim(d) > 1 ? 1 : 0;
            }
            outer = new long[others];
            outerOut = new long[others];
            outerSrc = new long[others];
            for (int d = 0, o = 0; d < out.rank(); d++) {
                if (d != a && d != b && out.dim(d) > 1) {
                    outer[o] = out.dim(d);
                    outerOut[o] = out.strides()[d];
                    outerSrc[o++] = src.strides()[d];
                }
            }
            outBase = out.offset();
            srcBase = src.offset();
        }

        long count() {
            long n = yTiles * xTiles;
            for (long d : outer) {
                n *= d;
            }
            return n;
        }

        /** Moves tile number {@code tile} through {@code buffer}, room for {@link #TILE} x {@link #TILE} elements. */
        void move(long tile, MemorySegment buffer) {
            long y0 = tile % yTiles * TILE, x0 = tile / yTiles % xTiles * TILE, rest = tile / yTiles / xTiles;
            long o = outBase + y0 + x0 * outStrideX, s = srcBase + y0 * srcStrideY + x0;
            for (int d = outer.length - 1; d >= 0; d--) {
                long i = rest % outer[d];
                rest /= outer[d];
                o += i * outerOut[d];
                s += i * outerSrc[d];
            }
            int w = (int) Math.min(TILE, xs - x0), h = (int) Math.min(TILE, ys - y0);
            switch (size) {
                case 1 -> transposeBytes(s, w, h, buffer);
                case 2 -> transposeShorts(s, w, h, buffer);
                case 4 -> transposeInts(s, w, h, buffer);
                default -> transposeLongs(s, w, h, buffer);
            }
            for (int x = 0; x < w; x++) {
                MemorySegment.copy(buffer, (long) size * x * TILE, to, size * (o + x * outStrideX), (long) size * h);
            }
        }

        /*
         * buffer[x * TILE + y] = src[s + y * srcStride_a + x], the tile read along src's rows: one
         * loop per element size, the layout a constant in each (one chosen at run time is looked up
         * per element).
         */

        private void transposeBytes(long s, int w, int h, MemorySegment buffer) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    buffer.set(ValueLayout.JAVA_BYTE, x * TILE + y, from.get(ValueLayout.JAVA_BYTE, s + y * srcStrideY + x));
                }
            }
        }

        private void transposeShorts(long s, int w, int h, MemorySegment buffer) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    buffer.set(ValueLayout.JAVA_SHORT, 2L * (x * TILE + y),
                            from.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * (s + y * srcStrideY + x)));
                }
            }
        }

        private void transposeInts(long s, int w, int h, MemorySegment buffer) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    buffer.set(ValueLayout.JAVA_INT, 4L * (x * TILE + y), from.get(ValueLayout.JAVA_INT_UNALIGNED, 4 * (s + y * srcStrideY + x)));
                }
            }
        }

        private void transposeLongs(long s, int w, int h, MemorySegment buffer) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    buffer.set(ValueLayout.JAVA_LONG, 8L * (x * TILE + y), from.get(ValueLayout.JAVA_LONG_UNALIGNED, 8 * (s + y * srcStrideY + x)));
                }
            }
        }
    }
}
