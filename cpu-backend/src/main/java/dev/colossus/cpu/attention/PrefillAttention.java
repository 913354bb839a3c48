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
 * Scaled dot-product attention for many queries at once, both products on the GEMM micro-kernel, in
 * the order of FlashAttention and transposed: the scores come out keys down and queries across,
 * {@code S^T = K Q^T}, so that the online softmax runs down the columns with a query a lane, and its
 * {@code P^T} is the B panel of {@code O^T = V^T P^T} as it stands. No more than a (KB, NR) block of
 * the (Lk, Lq) scores ever exists.
 * <pre>
 *   for each (b, h, group of QG queries), in parallel; g = h / (Hq / Hkv):
 *     Q'^T = (scale Q_group)^T                           packed once: NR queries a panel, depth D
 *     m = -Inf, l = 0, O^T = 0                            per query
 *     for each block of KB keys (causal: up to the last key the group's last query sees; a mask
 *         that every query shares, a padding mask: up to the last key it lets through):
 *       pack K_blk (MR keys a panel, depth D) and V_blk (MR of its columns a panel, depth KB)
 *       for each panel of NR queries (causal: skipped where the block lies above its diagonal):
 *         S^T = K_blk Q'^T                                micro-kernel, depth D
 *         S^T masked; m' = max(m, column max S^T); P^T = exp(S^T - m'); c = exp(m - m')
 *         l = c l + column sum P^T;  O^T = c O^T + V_blk^T P^T;  m = m'     micro-kernel, depth KB
 *     out = (O^T / l)^T;  logSumExp = m + log l          (where asked for)
 * </pre>
 * A padding mask's keys past its last token are not computed, and a block whose keys are all tokens
 * is not masked at all. Memory per task: the group's packed queries and outputs, one key block and
 * one block of scores, whatever Lk is. Grouped heads read their key/value head in place. A tile of
 * {@code V^T P^T} that comes out non-finite is summed again over the keys each query sees, so that
 * NaN in a value row a query does not see stays out of its output. MR x NR is the micro-kernel's tile
 * ({@link MicroKernel#forAttention}).
 */
final class PrefillAttention {
    private static final RowKernels ROWS = RowKernels.instance();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Keys per block: whole MR-high panels, about 384. */
    private static final int KEYS_PER_BLOCK = 384;
    /** Queries per task at most: the key blocks are packed once per group, so groups are large. */
    private static final int QG = 1024;
    /** Rows transposed into a panel together: the vector kernel's in-register transpose takes 8. */
    private static final int TRANSPOSED_ROWS = 8;

    /** Fewer queries than this take {@link DecodeAttention}'s row-by-row path: a tile would be mostly padding. */
    static final int MIN_QUERIES = 12;

    private PrefillAttention() {
    }

    static void attention(Attention op) {
        long batches = op.q().dim(0), heads = op.q().dim(1), lq = op.q().dim(2);
        MicroKernel kernel = MicroKernel.forAttention();
        int nr = kernel.nr();
        int group = (int) Math.min(QG / nr * nr, (lq + nr - 1) / nr * nr);
        while (group > nr && batches * heads * ((lq + group - 1) / group) < 2L * CpuParallel.THREADS) {
            group = Math.max(nr, (group / 2 + nr - 1) / nr * nr);
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
                    g = new Group(op, kernel, queries);
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
        /** Rows transposed together: queries (a whole number of them fill NR lanes), keys (up to MR) and value columns (up to Dv). */
        private final int mr, nr, queryRows, keyRows, valueRows;
        private final int d, dv, depth, vPanels;
        /** Floats of O^T a panel of queries holds: vPanels MR-high rows of NR. */
        private final int panelOutputs;
        /** Keys per block here: KEYS_PER_BLOCK, or Lk in whole panels where that is less; and its packed depth. */
        private final int kb, blockDepth;
        private final long lq, lk, groupSize;
        private final float scale;
        /** Whether the mask is one run of keys for every query of a (b, h): a padding mask, (B, 1, 1, Lk). */
        private final boolean sharedMask;
        private final float[] packedQ, packedK, packedV, scores, outputs, tile, rows, row, byQuery;
        /** Per query of the group: the running maximum m and sum l. Per query of a panel: the shift and c of a step, and P's column sums. */
        private final float[] max, sum, shift, correction, columnSums;
        private final MaskRow maskRow;

        Group(Attention op, MicroKernel kernel, int maxQueries) {
            this.op = op;
            this.kernel = kernel;
            mr = kernel.mr();
            nr = kernel.nr();
            queryRows = Math.min(TRANSPOSED_ROWS, nr);
            keyRows = Math.min(TRANSPOSED_ROWS, mr);
            d = (int) op.q().dim(3);
            dv = (int) op.v().dim(3);
            depth = kernel.depth(d);
            vPanels = (dv + mr - 1) / mr;
            valueRows = Math.min(TRANSPOSED_ROWS, dv);
            panelOutputs = vPanels * mr * nr;
            lq = op.q().dim(2);
            lk = op.k().dim(2);
            groupSize = op.groupSize();
            scale = (float) op.scale();
            sharedMask = op.mask() != null && op.mask().strides()[2] == 0;
            kb = (int) Math.min(mr * Math.max(1, KEYS_PER_BLOCK / mr), (lk + mr - 1) / mr * mr);
            blockDepth = kernel.depth(kb);
            int panels = (maxQueries + nr - 1) / nr;
            packedQ = Scratch.floats(panels * depth * nr);
            packedK = Scratch.floats(kb * depth);
            packedV = Scratch.floats(vPanels * blockDepth * mr);
            scores = Scratch.floats(blockDepth * nr);
            outputs = Scratch.floats(panels * panelOutputs);
            tile = Scratch.floats(mr * nr);
            rows = Scratch.floats(TRANSPOSED_ROWS * d);
            row = Scratch.floats(dv);
            byQuery = Scratch.floats(nr * dv);
            max = Scratch.floats(panels * nr);
            sum = Scratch.floats(panels * nr);
            shift = Scratch.floats(nr);
            correction = Scratch.floats(nr);
            columnSums = Scratch.floats(nr);
            maskRow = new MaskRow(kb);
        }

        /** Queries {@code [i0, i0 + count)} of head {@code h} in batch {@code b}. */
        void run(long b, long h, long i0, int count) {
            int panels = (count + nr - 1) / nr;
            packQueries(b, h, i0, count, panels);
            Arrays.fill(outputs, 0, panels * panelOutputs, 0);
            Arrays.fill(max, 0, panels * nr, Float.NEGATIVE_INFINITY);
            Arrays.fill(sum, 0, panels * nr, 0);
            long shiftOfDiagonal = lk - lq;
            long keyEnd = op.causal() ? Math.clamp(i0 + count + shiftOfDiagonal, 0, lk) : lk;
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
                for (int p = 0; p < panels; p++) {
                    long first = i0 + (long) p * nr;
                    int queries = Math.min(nr, count - p * nr);
                    int seen = op.causal() ? (int) Math.clamp(first + queries + shiftOfDiagonal - j0, 0, keys) : keys;
                    if (seen > 0) {
                        panel(b, h, first, queries, p, j0, seen);
                    }
                }
            }
            Operand out = op.out();
            for (int p = 0; p < panels; p++) {
                int queries = Math.min(nr, count - p * nr);
                // O^T's panel to a query a row, valueRows columns at a time, the last part overlapping the one before
                for (int c0 = 0; c0 < dv; c0 += valueRows) {
                    int from = Math.min(c0, dv - valueRows);
                    kernel.interleave(outputs, p * panelOutputs + from * nr, nr, valueRows, queries, byQuery, from, dv);
                }
                for (int r = 0; r < queries; r++) {
                    int i = p * nr + r;
                    ROWS.scale(byQuery, r * dv, dv, 1 / sum[i]);
                    FloatIO.store(byQuery, r * dv, dv, out, OnlineSoftmax.offset(out, b, h, i0 + i), out.strides()[3]);
                    OnlineSoftmax.storeLogSumExp(op, b, h, i0 + i, max[i], sum[i]);
                }
            }
        }

        /**
         * Packs queries {@code [i0, i0 + count)}, scaled, as {@code panels} B panels of depth D: query r at lane
         * r mod NR of panel r / NR; the lanes past the last query are 0.
         */
        private void packQueries(long b, long h, long i0, int count, int panels) {
            Operand q = op.q();
            Arrays.fill(packedQ, 0, panels * depth * nr, 0);
            for (int r = 0; r < count; r += queryRows) {
                int present = Math.min(queryRows, count - r);
                for (int c = 0; c < present; c++) {
                    load(q, OnlineSoftmax.offset(q, b, h, i0 + r + c), rows, c * d, d);
                }
                Arrays.fill(rows, present * d, queryRows * d, 0);
                ROWS.scale(rows, 0, present * d, scale);
                kernel.interleave(rows, 0, d, queryRows, d, packedQ, r / nr * nr * depth + r % nr, nr);
            }
        }

        /**
         * Packs keys {@code [j0, j0 + keys)} of head {@code g}: K as A panels of MR keys, depth D (the keys
         * past the last are 0); V as A panels of MR of its columns, depth KB.
         */
        private void packKeys(long b, long g, long j0, int keys) {
            Operand k = op.k(), v = op.v();
            for (int kp = 0; kp < (keys + mr - 1) / mr; kp++) {
                for (int c0 = 0; c0 < mr; c0 += keyRows) {
                    // a whole part of keyRows lanes, the last overlapping the one before (lanes 4-11 of 12): the in-register transpose takes 8
                    int from = Math.min(c0, mr - keyRows), present = Math.clamp(keys - kp * mr - from, 0, keyRows);
                    for (int c = 0; c < present; c++) {
                        load(k, OnlineSoftmax.offset(k, b, g, j0 + kp * mr + from + c), rows, c * d, d);
                    }
                    Arrays.fill(rows, present * d, keyRows * d, 0);
                    kernel.interleave(rows, 0, d, keyRows, d, packedK, kp * mr * depth + from, mr);
                }
            }
            for (int j = 0; j < keys; j++) {
                load(v, OnlineSoftmax.offset(v, b, g, j0 + j), row, 0, dv);
                for (int p = 0; p < vPanels; p++) {
                    System.arraycopy(row, p * mr, packedV, (p * blockDepth + j) * mr, Math.min(mr, dv - p * mr));
                }
            }
            // The row that pads the keys to a whole k step of the kernel: 0 (the columns past Dv stay 0 from the start).
            for (int p = 0; p < vPanels; p++) {
                Arrays.fill(packedV, (p * blockDepth + keys) * mr, (p * blockDepth + kernel.depth(keys)) * mr, 0);
            }
        }

        /**
         * Panel {@code p} of the group's queries, {@code queries} of them from {@code first}, against the first
         * {@code keys} keys of the packed block at {@code j0}.
         */
        private void panel(long b, long h, long first, int queries, int p, long j0, int keys) {
            int keyDepth = kernel.depth(keys);
            for (int kp = 0; kp < (keys + mr - 1) / mr; kp++) {
                kernel.multiply(depth, packedK, kp * mr * depth, packedQ, p * depth * nr, tile);
                System.arraycopy(tile, 0, scores, kp * mr * nr, mr * nr);
            }
            mask(b, h, first, queries, j0, keys);
            softmaxStep(keys, p * nr, p * panelOutputs);
            Arrays.fill(scores, keys * nr, keyDepth * nr, 0);
            for (int vp = 0; vp < vPanels; vp++) {
                int vAt = vp * blockDepth * mr;
                kernel.multiply(keyDepth, packedV, vAt, scores, 0, tile);
                if (!Float.isFinite(ROWS.sum(tile, 0, mr * nr))) {
                    productsOfSeenKeys(keyDepth, vAt);
                }
                ROWS.addInto(tile, 0, outputs, p * panelOutputs + vp * mr * nr, mr * nr);
            }
        }

        /** The mask and the causal limit on the block's scores: query {@code first + c} is column c. */
        private void mask(long b, long h, long first, int queries, long j0, int keys) {
            Operand mask = op.mask();
            if (mask != null && !(sharedMask && maskRow.open(keys) == keys)) {
                long keyStride = mask.strides()[3];
                if (sharedMask) {
                    maskRow.applyDown(mask, OnlineSoftmax.offset(mask, b, h, 0) + j0 * keyStride, scores, 0, keys, nr, nr);
                } else {
                    for (int c = 0; c < queries; c++) {
                        maskRow.applyDown(mask, OnlineSoftmax.offset(mask, b, h, first + c) + j0 * keyStride, scores, c, keys, nr, 1);
                    }
                }
            }
            if (op.causal()) {
                // key j is seen by the queries i with j <= i + Lk - Lq
                for (int r = 0; r < keys; r++) {
                    int hidden = (int) Math.clamp(j0 + r - (lk - lq) - first, 0, nr);
                    Arrays.fill(scores, r * nr, r * nr + hidden, Float.NEGATIVE_INFINITY);
                }
            }
        }

        /**
         * The online softmax's step down the columns of the block's first {@code keys} rows of scores, for
         * the panel's queries from {@code at} of max and sum and its outputs from {@code outAt}: {@code m' =
         * max(m, column max)}, {@code P = exp(S - m')} in place of the scores, {@code c = exp(m - m')}, {@code l
         * = c l + column sum P}, the outputs scaled by c where it is not 1, {@code m = m'}. A query that has
         * seen no key yet (m' = -Inf) takes P = exp(-Inf - 0) = 0 and keeps l = 0.
         */
        private void softmaxStep(int keys, int at, int outAt) {
            System.arraycopy(max, at, shift, 0, nr);
            ROWS.maxOfColumns(scores, 0, keys, nr, shift);
            boolean rescale = false;
            for (int c = 0; c < nr; c++) {
                float before = max[at + c], after = shift[c];
                // A query's first keys find its sum and outputs still 0, and most blocks of a long row leave its max as it was: nothing to scale.
                correction[c] = before == after || before == Float.NEGATIVE_INFINITY ? 1 : (float) Math.exp(before - after);
                rescale |= correction[c] != 1;
                max[at + c] = after;
                if (after == Float.NEGATIVE_INFINITY) {
                    shift[c] = 0;
                }
            }
            ROWS.expShiftedColumns(scores, 0, keys, nr, shift, columnSums);
            for (int c = 0; c < nr; c++) {
                sum[at + c] = sum[at + c] * correction[c] + columnSums[c];
            }
            if (rescale) {
                ROWS.scaleColumns(outputs, outAt, vPanels * mr, nr, correction);
            }
        }

        /**
         * The tile of {@code V^T P^T} again, each query summing only the keys it gives a weight other than 0:
         * where the micro-kernel's tile holds a NaN or an infinity, which may be {@code 0 * NaN} from a
         * value row the query does not see (see {@link Attention}). Queries that do see a non-finite value
         * keep it.
         */
        private void productsOfSeenKeys(int keyDepth, int vAt) {
            Arrays.fill(tile, 0, mr * nr, 0);
            for (int j = 0; j < keyDepth; j++) {
                for (int c = 0; c < nr; c++) {
                    float weight = scores[j * nr + c];
                    if (weight != 0) {
                        for (int i = 0; i < mr; i++) {
                            tile[i * nr + c] += weight * packedV[vAt + j * mr + i];
                        }
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
    }
}
