package dev.colossus.cpu.attention;

import dev.colossus.DType;
import dev.colossus.cpu.matmul.MicroKernel;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.RowKernels;
import dev.colossus.op.Attention;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scaled dot-product attention for many queries at once, both products on the GEMM micro-kernel,
 * in the order of FlashAttention: no more than a (TQ, KB) tile of the (Lq, Lk) scores ever exists.
 * <pre>
 *   for each (b, h, group of QG queries), in parallel; g = h / (Hq / Hkv):
 *     Q' = scale Q_group                                  packed once, MR-high panels, depth D
 *     m = -Inf, l = 0, O = 0                              per query row
 *     for each block of KB keys (causal: up to the last key the group's last query sees; a mask
 *         that every query shares, a padding mask: up to the last key it lets through):
 *       pack K_blk^T (D x KB) and V_blk (KB x Dv) as NR-wide panels
 *       for each tile of TQ queries (causal: skipped where the block lies above its diagonal):
 *         S = Q'_t K_blk^T                                micro-kernel, depth D
 *         S masked; m' = max(m, rowmax S); P = exp(S - m'); c = exp(m - m')
 *         l = c l + rowsum P;  O_t = c O_t + P V_blk;  m = m'   micro-kernel, depth KB
 *     out = O / l;  logSumExp = m + log l                 (where asked for)
 * </pre>
 * A padding mask's keys past its last token are not computed, and a block whose keys are all tokens
 * is not masked at all. Memory per task: the group's packed queries and outputs, one key block and
 * one tile of scores, whatever Lk is. Grouped heads read their key/value head in place. A tile of
 * {@code P V} that comes out non-finite is summed again over the keys each row sees, so that NaN in a
 * value row a query does not see stays out of its output. MR x NR is the tile of the micro-kernel
 * for the head dimension ({@link Tiling}): at 32 and 64 (MiniLM, Llama), 12 x 32 on AVX-512, which
 * pads no value row, 1.10-1.17x as fast as 6 x 48 on one thread (1.01 at 128).
 */
final class PrefillAttention {
    private static final RowKernels ROWS = RowKernels.instance();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Keys per block: whole NR-wide panels, about 384 (192 and 576 measured alike or slower). */
    private static final int KEYS_PER_BLOCK = 384;
    /** Scores a row's softmax takes at a time: 16 floats, one AVX-512 vector, two AVX2 ones. */
    private static final int SOFTMAX_STEP = 16;
    /** Queries per task at most: the key blocks are packed once per group, so groups are large. */
    private static final int QG = 1024;

    /** Fewer queries than this take {@link DecodeAttention}'s row-by-row path: a tile would be mostly padding. */
    static final int MIN_QUERIES = 12;

    /**
     * The micro-kernel for a head dimension ({@link MicroKernel#forAttention}) and the blocks made of its tile.
     *
     * @param kernel the micro-kernel of both products: MR queries a P panel, NR keys a K^T panel and NR
     *     value columns a V panel
     * @param tq query rows per tile: a few MR-high panels
     * @param kb keys per block: whole NR-wide panels
     * @param keyGroup keys transposed into a K panel together (the vector kernel's in-register transpose
     *     takes 8 rows; NR is a multiple)
     */
    private record Tiling(MicroKernel kernel, int tq, int kb, int keyGroup) {
        static Tiling forValueColumns(long dv) {
            MicroKernel kernel = MicroKernel.forAttention(dv);
            int nr = kernel.nr();
            return new Tiling(kernel, 4 * kernel.mr(), nr * Math.max(1, KEYS_PER_BLOCK / nr), Math.min(8, nr));
        }
    }

    private PrefillAttention() {
    }

    static void attention(Attention op) {
        long batches = op.q().dim(0), heads = op.q().dim(1), lq = op.q().dim(2);
        Tiling tiling = Tiling.forValueColumns(op.v().dim(3));
        int tq = tiling.tq();
        int group = (int) Math.min(QG, (lq + tq - 1) / tq * tq);
        while (group > tq && batches * heads * ((lq + group - 1) / group) < 2L * CpuParallel.THREADS) {
            group /= 2;
        }
        int queries = group;
        long groups = (lq + queries - 1) / queries;
        long units = batches * heads * groups;
        // One task a thread, each claiming units until none is left: units differ in cost (padding, causal
        // groups), and a task's buffers are made once. MiniLM's 16 tokens (12 units) ran 24-27 us a call
        // as 8 tasks of fixed ranges, each with its buffers, 17-23 so.
        AtomicLong next = new AtomicLong();
        CpuParallel.forEach((int) Math.min(units, CpuParallel.THREADS), t -> {
            Group g = null;
            for (long u = next.getAndIncrement(); u < units; u = next.getAndIncrement()) {
                if (g == null) {
                    g = new Group(op, tiling, queries);
                }
                long i0 = u % groups * queries;
                g.run(u / (heads * groups), u / groups % heads, i0, (int) Math.min(queries, lq - i0));
            }
        });
    }

    /** One task's buffers, reused across the (b, h, query group) units it claims. */
    private static final class Group {
        private final Attention op;
        private final MicroKernel kernel;
        private final int mr, nr, tq, keyGroup;
        private final int d, dv, depth, vPanels, maxRows;
        /** Keys per block here: the tiling's, or Lk in whole panels where that is less (its buffers sized so). */
        private final int kb;
        private final long lq, lk, groupSize;
        private final float scale;
        /** Whether the mask is one run of keys for every query of a (b, h): a padding mask, (B, 1, 1, Lk). */
        private final boolean sharedMask;
        private final float[] packedQ, packedK, packedV, packedP, scores, outputs, row, keyRows, tile, max, sum;
        private final MaskRow maskRow;

        Group(Attention op, Tiling tiling, int maxRows) {
            this.op = op;
            kernel = tiling.kernel();
            mr = kernel.mr();
            nr = kernel.nr();
            tq = tiling.tq();
            keyGroup = tiling.keyGroup();
            this.maxRows = maxRows;
            d = (int) op.q().dim(3);
            dv = (int) op.v().dim(3);
            depth = kernel.depth(d);
            vPanels = (dv + nr - 1) / nr;
            lq = op.q().dim(2);
            lk = op.k().dim(2);
            groupSize = op.groupSize();
            scale = (float) op.scale();
            sharedMask = op.mask() != null && op.mask().strides()[2] == 0;
            kb = (int) Math.min(tiling.kb(), (lk + nr - 1) / nr * nr);
            int rows = (maxRows + tq - 1) / tq * tq;
            packedQ = Scratch.floats(rows * depth);
            packedK = Scratch.floats(kb * depth);
            packedV = Scratch.floats(vPanels * kb * nr);
            packedP = Scratch.floats(tq * kb);
            scores = Scratch.floats(tq * kb);
            outputs = Scratch.floats(rows * vPanels * nr);
            row = Scratch.floats(Math.max(d, vPanels * nr));
            keyRows = Scratch.floats(keyGroup * d);
            maskRow = new MaskRow(kb);
            tile = Scratch.floats(mr * nr);
            max = Scratch.floats(rows);
            sum = Scratch.floats(rows);
        }

        /** Queries {@code [i0, i0 + rows)} of head {@code h} in batch {@code b}. */
        void run(long b, long h, long i0, int rows) {
            Operand q = op.q(), out = op.out();
            int padded = (rows + tq - 1) / tq * tq;
            Arrays.fill(packedQ, 0, padded * depth, 0);
            for (int r = 0; r < rows; r++) {
                load(q, OnlineSoftmax.offset(q, b, h, i0 + r), row, 0, d);
                for (int k = 0, at = r / mr * mr * depth + r % mr; k < d; k++, at += mr) {
                    packedQ[at] = scale * row[k];
                }
            }
            int width = vPanels * nr;
            Arrays.fill(outputs, 0, padded * width, 0);
            Arrays.fill(max, 0, padded, Float.NEGATIVE_INFINITY);
            Arrays.fill(sum, 0, padded, 0);
            long shift = lk - lq;
            long keyEnd = op.causal() ? Math.clamp(i0 + rows + shift, 0, lk) : lk;
            long g = h / groupSize;
            Operand mask = op.mask();
            for (long j0 = 0; j0 < keyEnd; j0 += kb) {
                int keys = (int) Math.min(kb, keyEnd - j0);
                if (sharedMask) {
                    maskRow.read(mask, OnlineSoftmax.offset(mask, b, h, 0) + j0 * mask.strides()[3], keys);
                    keys = maskRow.seen(keys);
                    if (keys == 0) {
                        continue;
                    }
                }
                packKeys(b, g, j0, keys);
                for (int t0 = 0; t0 < rows; t0 += tq) {
                    if (op.causal() && j0 > i0 + t0 + Math.min(tq, rows - t0) - 1 + shift) {
                        continue;
                    }
                    tile(b, h, i0, t0, Math.min(tq, rows - t0), j0, keys);
                }
            }
            for (int r = 0; r < rows; r++) {
                ROWS.scale(outputs, r * width, dv, 1 / sum[r]);
                FloatIO.store(outputs, r * width, dv, out, OnlineSoftmax.offset(out, b, h, i0 + r), out.strides()[3]);
                OnlineSoftmax.storeLogSumExp(op, b, h, i0 + r, max[r], sum[r]);
            }
        }

        /**
         * The tile of {@code P V} again, each row summing only the keys it gives a weight other than 0:
         * where the micro-kernel's tile holds a NaN or an infinity, which may be {@code 0 * NaN} from a
         * value row the row does not see (see {@link Attention}). Rows that do see a non-finite value
         * keep it.
         */
        private void productsOfSeenKeys(int kDepth, int pAt, int vAt) {
            Arrays.fill(tile, 0, mr * nr, 0);
            for (int i = 0; i < mr; i++) {
                for (int j = 0; j < kDepth; j++) {
                    float weight = packedP[pAt + j * mr + i];
                    if (weight != 0) {
                        ROWS.axpy(weight, packedV, vAt + j * nr, tile, i * nr, nr);
                    }
                }
            }
        }

        /**
         * Packs keys {@code [j0, j0 + keys)} of head {@code g}: K^T as B panels of depth D, V as B panels
         * of depth KB. F32 rows that lie contiguous are read in place, a value row copied straight into
         * its panels.
         */
        private void packKeys(long b, long g, long j0, int keys) {
            Operand k = op.k(), v = op.v();
            int kDepth = kernel.depth(keys);
            Arrays.fill(packedK, 0, (keys + nr - 1) / nr * nr * depth, 0);
            Arrays.fill(packedV, 0, vPanels * kDepth * nr, 0);
            for (int j = 0; j < keys; j += keyGroup) {
                int count = Math.min(keyGroup, keys - j);
                for (int c = 0; c < count; c++) {
                    load(k, OnlineSoftmax.offset(k, b, g, j0 + j + c), keyRows, c * d, d);
                }
                Arrays.fill(keyRows, count * d, keyGroup * d, 0);
                kernel.interleave(keyRows, d, keyGroup, d, packedK, j / nr * nr * depth + j % nr, nr);
            }
            boolean vInPlace = inPlace(v);
            for (int j = 0; j < keys; j++) {
                long vAt = OnlineSoftmax.offset(v, b, g, j0 + j);
                if (vInPlace) {
                    for (int p = 0; p < vPanels; p++) {
                        MemorySegment.copy(v.segment(), F32, 4 * (vAt + p * nr), packedV, (p * kDepth + j) * nr, Math.min(nr, dv - p * nr));
                    }
                } else {
                    FloatIO.load(v, vAt, v.strides()[3], row, 0, dv);
                    Arrays.fill(row, dv, vPanels * nr, 0);
                    for (int p = 0; p < vPanels; p++) {
                        System.arraycopy(row, p * nr, packedV, (p * kDepth + j) * nr, nr);
                    }
                }
            }
        }

        /** Row elements {@code [at, at + n)} of x into {@code dst[dstOff...]}: F32 rows that lie contiguous in one bulk copy. */
        private static void load(Operand x, long at, float[] dst, int dstOff, int n) {
            if (inPlace(x)) {
                MemorySegment.copy(x.segment(), F32, 4 * at, dst, dstOff, n);
            } else {
                FloatIO.load(x, at, x.strides()[3], dst, dstOff, n);
            }
        }

        /** Whether x is F32 with its rows contiguous, to be read in place. */
        private static boolean inPlace(Operand x) {
            return x.dtype() == DType.F32 && x.strides()[3] == 1;
        }

        /**
         * Rows {@code [t0, t0 + rows)} of the group against the packed key block at {@code j0}, causal: only
         * as far into the block as the tile's last row sees (rounded up to a whole step of the kernel's depth).
         */
        private void tile(long b, long h, long i0, int t0, int rows, long j0, int blockKeys) {
            int blockDepth = kernel.depth(blockKeys);
            int keys = op.causal() ? Math.min(blockKeys, kernel.depth(Math.clamp(i0 + t0 + rows + lk - lq - j0, 0, blockKeys)))
                    : blockKeys;
            int keyPanels = (keys + nr - 1) / nr;
            int kDepth = kernel.depth(keys);
            int rowPanels = (rows + mr - 1) / mr;
            for (int rp = 0; rp < rowPanels; rp++) {
                for (int kp = 0; kp < keyPanels; kp++) {
                    kernel.multiply(depth, packedQ, (t0 + rp * mr) * depth, packedK, kp * nr * depth, tile);
                    for (int i = 0; i < mr; i++) {
                        System.arraycopy(tile, i * nr, scores, (rp * mr + i) * kb + kp * nr, nr);
                    }
                }
            }
            Arrays.fill(packedP, 0, rowPanels * mr * kDepth, 0);
            // The softmax runs over whole vectors, the keys past the last made -Inf: no scalar tail a row.
            int span = Math.min(keyPanels * nr, (keys + SOFTMAX_STEP - 1) / SOFTMAX_STEP * SOFTMAX_STEP);
            Operand mask = op.mask();
            boolean unmasked = mask == null || sharedMask && maskRow.open(keys) == keys;
            int width = vPanels * nr;
            for (int r = 0; r < rows; r++) {
                long i = i0 + t0 + r;
                int s = r * kb;
                if (!unmasked) {
                    maskRow.apply(mask, OnlineSoftmax.offset(mask, b, h, i) + j0 * mask.strides()[3], scores, s, keys);
                }
                int seen = op.causal() ? (int) Math.clamp(i + lk - lq + 1 - j0, 0, keys) : keys;
                Arrays.fill(scores, s + seen, s + span, Float.NEGATIVE_INFINITY);
                int at = t0 + r;
                if (!OnlineSoftmax.step(scores, s, span, max, sum, at, outputs, at * width, width)) {
                    continue;
                }
                for (int j = 0, p = r / mr * mr * kDepth + r % mr; j < keys; j++, p += mr) {
                    packedP[p] = scores[s + j];
                }
            }
            for (int rp = 0; rp < rowPanels; rp++) {
                for (int vp = 0; vp < vPanels; vp++) {
                    kernel.multiply(kDepth, packedP, rp * mr * kDepth, packedV, vp * blockDepth * nr, tile);
                    if (!Float.isFinite(ROWS.sum(tile, 0, mr * nr))) {
                        productsOfSeenKeys(kDepth, rp * mr * kDepth, vp * blockDepth * nr);
                    }
                    for (int i = 0; i < mr && rp * mr + i < rows; i++) {
                        ROWS.axpy(1, tile, i * nr, outputs, (t0 + rp * mr + i) * width + vp * nr, nr);
                    }
                }
            }
        }
    }
}
