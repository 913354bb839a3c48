package dev.colossus.cpu;

import dev.colossus.DType;
import dev.colossus.op.Attention;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/**
 * Scaled dot-product attention for F32, F16 and BF16 (F32 arithmetic), tiled so that no more than a
 * tile of the (Lq, Lk) score matrix ever exists:
 * <pre>
 *   for each (b, h, tile of TQ queries), in parallel; g = h / (Hq / Hkv):
 *     m = -Inf, l = 0, o = 0                                        per query row
 *     for each tile of TK keys (causal: only up to the last key the tile's last query sees):
 *       s_j = scale * q . k_j, masked                                 (TK scores per row)
 *       m' = max(m, max_j s_j);  p_j = exp(s_j - m');  c = exp(m - m')
 *       l = c l + sum_j p_j;  o = c o + sum_j p_j v_j;  m = m'
 *     out = o / l
 * </pre>
 * the online softmax of FlashAttention. Grouped heads read their key/value head in place.
 */
final class CpuAttention {
    private static final int TQ = 16;
    private static final int TK = 64;
    private static final FloatKernels K = FloatKernels.instance();

    private CpuAttention() {
    }

    static void attention(Attention op) {
        Operand q = op.q();
        long batches = q.dim(0), heads = q.dim(1), lq = q.dim(2);
        long queryTiles = (lq + TQ - 1) / TQ;
        long units = batches * heads * queryTiles;
        long work = units * TQ * op.k().dim(2) * (q.dim(3) + op.v().dim(3));
        int tasks = (int) Math.min(units, CpuParallel.tasksFor(work, 1 << 16));
        CpuParallel.forEach(tasks, t -> {
            Tiles tiles = new Tiles(op);
            for (long u = units * t / tasks; u < units * (t + 1) / tasks; u++) {
                long b = u / (heads * queryTiles);
                long h = u / queryTiles % heads;
                long i0 = u % queryTiles * TQ;
                tiles.run(b, h, i0, (int) Math.min(TQ, lq - i0));
            }
        });
    }

    /** One task's buffers, reused across its (b, h, query tile) units. */
    private static final class Tiles {
        private final Attention op;
        private final int d, dv;
        private final long lq, lk, group;
        private final float scale;
        private final float[] queries, keys, values, scores, maskRow, outputs, max, sum;

        Tiles(Attention op) {
            this.op = op;
            d = (int) op.q().dim(3);
            dv = (int) op.v().dim(3);
            lq = op.q().dim(2);
            lk = op.k().dim(2);
            group = op.groupSize();
            scale = (float) op.scale();
            queries = new float[TQ * d];
            keys = new float[TK * d];
            values = new float[TK * dv];
            scores = new float[TK];
            maskRow = new float[TK];
            outputs = new float[TQ * dv];
            max = new float[TQ];
            sum = new float[TQ];
        }

        private static long offset(Operand x, long i0, long i1, long i2) {
            long[] s = x.strides();
            return x.offset() + i0 * s[0] + i1 * s[1] + i2 * s[2];
        }

        void run(long b, long h, long i0, int rows) {
            Operand q = op.q(), k = op.k(), v = op.v(), mask = op.mask(), out = op.out();
            long g = h / group;
            for (int r = 0; r < rows; r++) {
                FloatIO.load(q, offset(q, b, h, i0 + r), q.strides()[3], queries, r * d, d);
            }
            Arrays.fill(outputs, 0, rows * dv, 0);
            Arrays.fill(max, Float.NEGATIVE_INFINITY);
            Arrays.fill(sum, 0);
            long shift = lk - lq;
            long keyEnd = op.causal() ? Math.clamp(i0 + rows + shift, 0, lk) : lk;
            for (long j0 = 0; j0 < keyEnd; j0 += TK) {
                int kn = (int) Math.min(TK, keyEnd - j0);
                for (int j = 0; j < kn; j++) {
                    FloatIO.load(k, offset(k, b, g, j0 + j), k.strides()[3], keys, j * d, d);
                    FloatIO.load(v, offset(v, b, g, j0 + j), v.strides()[3], values, j * dv, dv);
                }
                for (int r = 0; r < rows; r++) {
                    long i = i0 + r;
                    for (int j = 0; j < kn; j++) {
                        scores[j] = scale * K.dot(queries, r * d, keys, j * d, d);
                    }
                    if (mask != null) {
                        FloatIO.load(mask, offset(mask, b, h, i) + j0 * mask.strides()[3], mask.strides()[3], maskRow, 0, kn);
                        boolean bool = mask.dtype() == DType.BOOL;
                        for (int j = 0; j < kn; j++) {
                            scores[j] = bool ? (maskRow[j] != 0 ? scores[j] : Float.NEGATIVE_INFINITY) : scores[j] + maskRow[j];
                        }
                    }
                    if (op.causal()) {
                        for (int j = (int) Math.clamp(i + shift + 1 - j0, 0, kn); j < kn; j++) {
                            scores[j] = Float.NEGATIVE_INFINITY;
                        }
                    }
                    float newMax = Math.max(max[r], K.max(scores, 0, kn));
                    if (newMax == Float.NEGATIVE_INFINITY) {
                        continue;
                    }
                    float correction = (float) Math.exp(max[r] - newMax);
                    sum[r] = sum[r] * correction + K.expShifted(scores, 0, kn, newMax);
                    K.scale(outputs, r * dv, dv, correction);
                    for (int j = 0; j < kn; j++) {
                        K.axpy(scores[j], values, j * dv, outputs, r * dv, dv);
                    }
                    max[r] = newMax;
                }
            }
            for (int r = 0; r < rows; r++) {
                K.scale(outputs, r * dv, dv, 1 / sum[r]);
                FloatIO.store(outputs, r * dv, dv, out, offset(out, b, h, i0 + r), out.strides()[3]);
            }
        }
    }
}
