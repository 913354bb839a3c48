package dev.colossus.cpu.attention;

import dev.colossus.DType;
import dev.colossus.cpu.matmul.RowProducts;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.RowKernels;
import dev.colossus.op.Attention;
import dev.colossus.spi.Operand;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Attention for fewer than {@link PrefillAttention#MIN_QUERIES} queries (decode), one dot product per
 * score, F32 arithmetic. The rows of a unit are every
 * query of every head that shares a key/value head, so the cache is read once for all of them, and
 * the keys are split across units when there are too few heads to keep the cores busy:
 * <pre>
 *   for each (b, g, split of the keys), in parallel; rows = (h, i) for the G heads h of group g:
 *     m = -Inf, l = 0, o = 0                                        per row
 *     for each tile of TK keys of the split (causal: only up to the last key a row sees):
 *       s_j = scale * q . k_j, masked                  (every row against the tile: one pass over each k_j)
 *       m' = max(m, max_j s_j);  p_j = exp(s_j - m');  c = exp(m - m')
 *       l = c l + sum_j p_j;  o = c o + sum_j p_j v_j;  m = m'   (four rows per pass over each v_j)
 *   merge the splits: M = max_s m_s;  out = sum_s exp(m_s - M) o_s / sum_s exp(m_s - M) l_s
 *   logSumExp = M + log(sum_s exp(m_s - M) l_s)                    (where asked for)
 * </pre>
 * the online softmax of FlashAttention, and flash-decoding's split of the keys. The kernels read a
 * tile's key and value rows where they lie when they are BF16 (widened in registers, the query and
 * output rows kept in the kernels' {@linkplain RowProducts#toPairOrder pair order}), from a copy when
 * they are F32, and from an F32 buffer otherwise ({@link Tile}). A tile whose products leave an
 * output non-finite is summed again over the keys each row sees, so that NaN in a value row a query
 * does not see stays out of its output.
 */
final class DecodeAttention {
    private static final RowProducts PRODUCTS = RowProducts.instance();
    private static final RowKernels ROWS = RowKernels.instance();
    /**
     * Keys per tile: each tile reads TK rows of K, then TK rows of V, and longer runs of each stream from
     * memory faster; 256 beat 64 and matched 512 (measured: {@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    private static final int TK = 256;
    /** Keys a split has at least: fewer, and the merge costs more than the split saves. */
    private static final long MIN_SPLIT_KEYS = 512;

    private DecodeAttention() {
    }

    static void attention(Attention op) {
        long batches = op.q().dim(0), groups = op.k().dim(1), lk = op.k().dim(2);
        long pairs = batches * groups;
        int splits = (int) Math.max(1, Math.min((2L * CpuParallel.THREADS + pairs - 1) / pairs, lk / MIN_SPLIT_KEYS));
        long units = pairs * splits;
        int rows = (int) (op.groupSize() * op.q().dim(2));
        // Each split's (m, l, o) per row, merged once every split is done.
        float[] states = splits == 1 ? null : Scratch.floats(Math.toIntExact(units * rows * (op.v().dim(3) + 2)));
        long work = units * rows * (lk / splits) * (op.q().dim(3) + op.v().dim(3));
        int tasks = (int) Math.min(units, CpuParallel.tasksFor(work, 1 << 16));
        CpuParallel.forEach(tasks, t -> {
            try (Rows unit = new Rows(op, rows)) {
                for (long u = units * t / tasks; u < units * (t + 1) / tasks; u++) {
                    long split = u % splits;
                    unit.run(u / splits / groups, u / splits % groups, lk * split / splits, lk * (split + 1) / splits,
                            states, (int) u);
                }
            }
        });
        if (states != null) {
            merge(op, splits, rows, states);
        }
    }

    /** out = sum_s exp(m_s - M) o_s / sum_s exp(m_s - M) l_s, M = max_s m_s, for each row of each (b, g). */
    private static void merge(Attention op, int splits, int rows, float[] states) {
        int dv = (int) op.v().dim(3), stride = dv + 2;
        long groups = op.k().dim(1), lq = op.q().dim(2);
        float[] o = new float[dv];
        Operand out = op.out();
        for (long pair = 0; pair < op.q().dim(0) * groups; pair++) {
            for (int r = 0; r < rows; r++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < splits; s++) {
                    max = Math.max(max, states[state(pair, s, splits, r, rows, stride)]);
                }
                Arrays.fill(o, 0);
                float sum = 0;
                for (int s = 0; s < splits; s++) {
                    int at = state(pair, s, splits, r, rows, stride);
                    if (states[at] == Float.NEGATIVE_INFINITY) {
                        continue;
                    }
                    float weight = (float) Math.exp(states[at] - max);
                    sum += weight * states[at + 1];
                    ROWS.axpy(weight, states, at + 2, o, 0, dv);
                }
                ROWS.scale(o, 0, dv, 1 / sum);
                long b = pair / groups, h = pair % groups * op.groupSize() + r / lq, i = r % lq;
                FloatIO.store(o, 0, dv, out, OnlineSoftmax.offset(out, b, h, i), out.strides()[3]);
                OnlineSoftmax.storeLogSumExp(op, b, h, i, max, sum);
            }
        }
    }

    private static int state(long pair, int split, int splits, int row, int rows, int stride) {
        return Math.toIntExact(((pair * splits + split) * rows + row) * stride);
    }
    /**
     * Where the kernels read a tile of key or value rows: in place when they are BF16 with unit stride
     * along the row; F32 rows with unit stride copied into a native buffer first; any other rows
     * widened into it: one sequential copy streams F32 from memory faster than the kernels' own reads,
     * and an F32 cache too large for the processor's caches is the usual one (measured: {@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    private static final class Tile implements AutoCloseable {
        private final Operand x;
        private final int width;
        private final boolean inPlace, copy;
        private final Arena arena;
        private final MemorySegment buffer;
        private final float[] widened;
        MemorySegment segment;
        long at, rowBytes;

        Tile(Operand x, int rows) {
            this.x = x;
            width = (int) x.dim(3);
            boolean unitStride = x.strides()[3] == 1 || width == 1;
            inPlace = unitStride && x.dtype() == DType.BF16;
            copy = unitStride && x.dtype() == DType.F32;
            arena = inPlace ? null : Arena.ofConfined();
            buffer = inPlace ? null : Scratch.segment(arena, 4L * rows * width);
            widened = inPlace || copy ? null : Scratch.floats(rows * width);
        }

        /** The dtype the kernels meet. */
        DType dtype() {
            return inPlace ? x.dtype() : DType.F32;
        }

        /** Points {@link #segment}, {@link #at} and {@link #rowBytes} at rows {@code [j0, j0 + n)} of head g of batch b. */
        void load(long b, long g, long j0, int n) {
            long[] s = x.strides();
            if (inPlace) {
                segment = x.segment();
                at = OnlineSoftmax.offset(x, b, g, j0) * x.dtype().byteSize();
                rowBytes = s[2] * x.dtype().byteSize();
                return;
            }
            rowBytes = 4L * width;
            if (copy && s[2] == width) {
                MemorySegment.copy(x.segment(), OnlineSoftmax.offset(x, b, g, j0) * 4, buffer, 0, rowBytes * n);
            } else if (copy) {
                for (int j = 0; j < n; j++) {
                    MemorySegment.copy(x.segment(), OnlineSoftmax.offset(x, b, g, j0 + j) * 4, buffer, rowBytes * j, rowBytes);
                }
            } else {
                if (s[2] == width * s[3]) { // the n rows are one run of n * width elements
                    FloatIO.load(x, OnlineSoftmax.offset(x, b, g, j0), s[3], widened, 0, n * width);
                } else {
                    for (int j = 0; j < n; j++) {
                        FloatIO.load(x, OnlineSoftmax.offset(x, b, g, j0 + j), s[3], widened, j * width, width);
                    }
                }
                MemorySegment.copy(widened, 0, buffer, ValueLayout.JAVA_FLOAT, 0, n * width);
            }
            segment = buffer;
            at = 0;
        }

        /** Row {@code j} of the loaded rows, as F32 in its natural order. */
        void row(int j, float[] into) {
            long rowAt = at + j * rowBytes;
            if (dtype() == DType.BF16) {
                for (int e = 0; e < width; e++) {
                    into[e] = Float.intBitsToFloat(segment.get(ValueLayout.JAVA_SHORT_UNALIGNED, rowAt + 2L * e) << 16);
                }
            } else {
                MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT_UNALIGNED, rowAt, into, 0, width);
            }
        }

        @Override
        public void close() {
            if (arena != null) {
                arena.close();
            }
        }
    }

    /** One task's buffers, reused across its units: the rows of one key/value head against a range of its keys. */
    private static final class Rows implements AutoCloseable {
        private final Attention op;
        private final int d, dv, rows;
        private final long lq, lk, group;
        private final float scale;
        private final Tile keys, values;
        private final float[] queries, scores, outputs, before, valueRow, max, sum;
        private final MaskRow maskRow;

        Rows(Attention op, int rows) {
            this.op = op;
            this.rows = rows;
            d = (int) op.q().dim(3);
            dv = (int) op.v().dim(3);
            lq = op.q().dim(2);
            lk = op.k().dim(2);
            group = op.groupSize();
            scale = (float) op.scale();
            queries = Scratch.floats(rows * d);
            keys = new Tile(op.k(), TK);
            values = new Tile(op.v(), TK);
            scores = Scratch.floats(rows * TK);
            maskRow = new MaskRow(TK);
            outputs = Scratch.floats(rows * dv);
            before = Scratch.floats(rows * dv);
            valueRow = Scratch.floats(dv);
            max = Scratch.floats(rows);
            sum = Scratch.floats(rows);
        }

        /**
         * Keys {@code [k0, k1)} of head {@code g} in batch {@code b}: into out when they are all the keys,
         * else into unit {@code unit}'s (m, l, o) in {@code states}.
         */
        void run(long b, long g, long k0, long k1, float[] states, int unit) {
            Operand q = op.q(), mask = op.mask(), out = op.out();
            for (int r = 0; r < rows; r++) {
                FloatIO.load(q, OnlineSoftmax.offset(q, b, g * group + r / lq, r % lq), q.strides()[3], queries, r * d, d);
                ROWS.scale(queries, r * d, d, scale);
                if (keys.dtype() == DType.BF16) {
                    PRODUCTS.toPairOrder(queries, r * d, d);
                }
            }
            Arrays.fill(outputs, 0);
            Arrays.fill(max, Float.NEGATIVE_INFINITY);
            Arrays.fill(sum, 0);
            long shift = lk - lq;
            long keyEnd = op.causal() ? Math.clamp(lq + shift, k0, k1) : k1;
            for (long j0 = k0; j0 < keyEnd; j0 += TK) {
                int kn = (int) Math.min(TK, keyEnd - j0);
                keys.load(b, g, j0, kn);
                values.load(b, g, j0, kn);
                PRODUCTS.dots(queries, rows, d, keys.segment, keys.at, keys.rowBytes, keys.dtype(), kn, scores);
                for (int r = 0; r < rows; r++) {
                    long h = g * group + r / lq, i = r % lq;
                    int s = r * kn;
                    if (mask != null) {
                        maskRow.apply(mask, OnlineSoftmax.offset(mask, b, h, i) + j0 * mask.strides()[3], scores, s, kn);
                    }
                    if (op.causal()) {
                        Arrays.fill(scores, s + (int) Math.clamp(i + shift + 1 - j0, 0, kn), s + kn, Float.NEGATIVE_INFINITY);
                    }
                    if (!OnlineSoftmax.step(scores, s, kn, max, sum, r, outputs, r * dv, dv)) {
                        Arrays.fill(scores, s, s + kn, 0);
                    }
                }
                System.arraycopy(outputs, 0, before, 0, rows * dv);
                PRODUCTS.addProducts(scores, rows, kn, values.segment, values.at, values.rowBytes, values.dtype(), dv, outputs);
                if (!Float.isFinite(ROWS.sum(outputs, 0, rows * dv))) {
                    System.arraycopy(before, 0, outputs, 0, rows * dv);
                    addProductsOfSeenKeys(kn);
                }
            }
            for (int r = 0; r < rows; r++) {
                if (values.dtype() == DType.BF16) {
                    PRODUCTS.fromPairOrder(outputs, r * dv, dv);
                }
                if (states == null) {
                    ROWS.scale(outputs, r * dv, dv, 1 / sum[r]);
                    FloatIO.store(outputs, r * dv, dv, out, OnlineSoftmax.offset(out, b, g * group + r / lq, r % lq), out.strides()[3]);
                    OnlineSoftmax.storeLogSumExp(op, b, g * group + r / lq, r % lq, max[r], sum[r]);
                } else {
                    int at = (unit * rows + r) * (dv + 2);
                    states[at] = max[r];
                    states[at + 1] = sum[r];
                    System.arraycopy(outputs, r * dv, states, at + 2, dv);
                }
            }
        }

        /**
         * {@code o += sum_j p_j v_j} for the tile's kn keys, each row over only the keys it gives a weight
         * other than 0: where {@link RowProducts#addProducts} left a NaN or an infinity, which may be
         * {@code 0 * NaN} from a value row the row does not see (see {@link Attention}).
         */
        private void addProductsOfSeenKeys(int kn) {
            boolean pairOrder = values.dtype() == DType.BF16;
            for (int j = 0; j < kn; j++) {
                values.row(j, valueRow);
                if (pairOrder) {
                    PRODUCTS.toPairOrder(valueRow, 0, dv);
                }
                for (int r = 0; r < rows; r++) {
                    float weight = scores[r * kn + j];
                    if (weight != 0) {
                        ROWS.axpy(weight, valueRow, 0, outputs, r * dv, dv);
                    }
                }
            }
        }

        @Override
        public void close() {
            keys.close();
            values.close();
        }
    }
}
