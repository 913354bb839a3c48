package dev.colossus.reference;

import dev.colossus.DType;
import dev.colossus.op.Attention;
import dev.colossus.spi.Operand;

/**
 * Attention as its definition: for each (b, h, i), the full row of scores in double, masked, a
 * softmax, and the weighted sum of the values of the keys whose weight is not zero; the log-sum-exp
 * {@code max + log(sum exp(s - max))}.
 */
final class ReferenceAttention {
    private ReferenceAttention() {
    }

    static void attention(Attention op) {
        Operand q = op.q(), k = op.k(), v = op.v(), mask = op.mask(), out = op.out(), lse = op.logSumExp();
        long batches = q.dim(0), heads = q.dim(1), lq = q.dim(2), d = q.dim(3);
        long lk = k.dim(2), dv = v.dim(3), group = op.groupSize();
        long[] qs = q.strides(), ks = k.strides(), vs = v.strides(), os = out.strides();
        double[] scores = new double[Math.toIntExact(lk)];
        for (long b = 0; b < batches; b++) {
            for (long h = 0; h < heads; h++) {
                long g = h / group;
                for (long i = 0; i < lq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (long j = 0; j < lk; j++) {
                        double dot = 0;
                        for (long e = 0; e < d; e++) {
                            dot += Elements.get(q, q.offset() + b * qs[0] + h * qs[1] + i * qs[2] + e * qs[3])
                                    * Elements.get(k, k.offset() + b * ks[0] + g * ks[1] + j * ks[2] + e * ks[3]);
                        }
                        double s = op.scale() * dot;
                        if (mask != null) {
                            long[] ms = mask.strides();
                            double m = Elements.get(mask, mask.offset() + b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3]);
                            s = mask.dtype() == DType.BOOL ? (m != 0 ? s : Double.NEGATIVE_INFINITY) : s + m;
                        }
                        if (op.causal() && j > i + (lk - lq)) {
                            s = Double.NEGATIVE_INFINITY;
                        }
                        scores[(int) j] = s;
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (int j = 0; j < lk; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    if (lse != null) {
                        long[] ls = lse.strides();
                        Elements.set(lse, lse.offset() + b * ls[0] + h * ls[1] + i * ls[2],
                                max == Double.NEGATIVE_INFINITY ? max : max + Math.log(sum));
                    }
                    for (long e = 0; e < dv; e++) {
                        double acc = 0;
                        for (long j = 0; j < lk; j++) {
                            double weight = scores[(int) j];
                            if (weight != 0) {
                                acc += weight * Elements.get(v, v.offset() + b * vs[0] + g * vs[1] + j * vs[2] + e * vs[3]);
                            }
                        }
                        Elements.set(out, out.offset() + b * os[0] + h * os[1] + i * os[2] + e * os[3], acc / sum);
                    }
                }
            }
        }
    }
}
