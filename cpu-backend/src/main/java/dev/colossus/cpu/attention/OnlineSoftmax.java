package dev.colossus.cpu.attention;

import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.RowKernels;
import dev.colossus.op.Attention;
import dev.colossus.spi.Operand;

/**
 * The attention kernels' shared steps: where a (b, h, i) row starts and the log-sum-exp stored (prefill
 * and decode), and FlashAttention's online softmax over one row's tile of scores (decode; prefill takes
 * its step down the columns, a query a column).
 */
final class OnlineSoftmax {
    private static final RowKernels ROWS = RowKernels.instance();

    private OnlineSoftmax() {
    }

    /**
     * The online softmax's step for row {@code row} against scores {@code [s, s + n)}, already masked:
     * {@code m' = max(m, max_j s_j)}, {@code p_j = exp(s_j - m')} in place of the scores, {@code c = exp(m - m')},
     * {@code l = c l + sum_j p_j}, the row's partial output (width floats of outputs at o) scaled by c where
     * c is not 1, {@code m = m'}. Returns false, and changes nothing, while the row has seen no key (m' = -Inf).
     */
    static boolean step(float[] scores, int s, int n, float[] max, float[] sum, int row, float[] outputs, int o, int width) {
        float newMax = Math.max(max[row], ROWS.max(scores, s, n));
        if (newMax == Float.NEGATIVE_INFINITY) {
            return false;
        }
        // Most tiles of a long row leave its max where it was: no exponential then. A row's first tile
        // finds its partial output and sum still 0: nothing to scale.
        boolean first = max[row] == Float.NEGATIVE_INFINITY;
        float correction = newMax == max[row] || first ? 1 : (float) Math.exp(max[row] - newMax);
        sum[row] = sum[row] * correction + ROWS.expShifted(scores, s, n, newMax);
        if (correction != 1) {
            ROWS.scale(outputs, o, width, correction);
        }
        max[row] = newMax;
        return true;
    }

    /** Row (b, h, i)'s log-sum-exp, {@code max + log(sum)} (-Inf for a row that saw no key), where the op asks for it. */
    static void storeLogSumExp(Attention op, long b, long h, long i, float max, float sum) {
        Operand lse = op.logSumExp();
        if (lse != null) {
            FloatIO.store(new float[] {(float) (max + Math.log(sum))}, 0, 1, lse, offset(lse, b, h, i), 1);
        }
    }

    /** The element of {@code x} at {@code [i0, i1, i2, 0]}. */
    static long offset(Operand x, long i0, long i1, long i2) {
        long[] s = x.strides();
        return x.offset() + i0 * s[0] + i1 * s[1] + i2 * s[2];
    }
}
