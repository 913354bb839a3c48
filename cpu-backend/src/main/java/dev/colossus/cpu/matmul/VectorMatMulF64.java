package dev.colossus.cpu.matmul;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.op.MatMul;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C[..., m, n] = alpha * sum_k A[..., m, k] * B[..., k, n] + beta * D[..., m, n]} for F64
 * operands, accumulated in F64; {@code (..., M, K) x (..., K, N) -> (..., M, N)}.
 *
 * <p>Blocked for the caches like the F32 GEMM, but simpler: B is packed per (KC x NC) block into
 * NR-wide panels (NR = 2 vectors), A is read in place (one broadcast per row and k step), and the
 * register tile is 6 x NR (12 accumulators). Threads split the rows. Only on the Vector API; the
 * scalar path leaves F64 to the reference kernels.
 */
public final class VectorMatMulF64 {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Simd.BITS)).check(double.class);
    private static final int L = S.length();
    private static final int MR = 6;
    private static final int NR = 2 * L;
    private static final int KC = 256;
    private static final int NC = 24 * NR;
    private static final long PARALLEL_GRAIN = 1 << 21;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorMatMulF64() {
    }

    public static void matmul(MatMul op) {
        Operand a = op.a(), b = op.b(), out = op.out(), d = op.addend();
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        long batches = m * n == 0 ? 0 : out.numel() / (m * n);
        for (long batch = 0; batch < batches; batch++) {
            multiply(op, offset(a, batch), offset(b, batch), offset(out, batch), d == null ? 0 : offset(d, batch), m, n, k);
        }
    }

    /** The element offset of matrix {@code batch} (row-major over the batch dimensions) of {@code x}. */
    private static long offset(Operand x, long batch) {
        long at = x.offset();
        for (int dim = x.rank() - 3; dim >= 0; dim--) {
            at += batch % x.dim(dim) * x.strides()[dim];
            batch /= x.dim(dim);
        }
        return at;
    }

    private static void multiply(MatMul op, long a0, long b0, long c0, long d0, long m, long n, long k) {
        Operand a = op.a(), b = op.b(), out = op.out(), d = op.addend();
        int r = out.rank();
        long am = a.strides()[r - 2], ak = a.strides()[r - 1], bk = b.strides()[r - 2], bn = b.strides()[r - 1];
        long om = out.strides()[r - 2], on = out.strides()[r - 1];
        if (k == 0) {
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double v = d == null ? 0 : op.beta() * d.segment().get(F64, (d0 + i * d.strides()[r - 2] + j * d.strides()[r - 1]) * 8);
                    out.segment().set(F64, (c0 + i * om + j * on) * 8, v);
                }
            }
            return;
        }
        long rowTiles = (m + MR - 1) / MR;
        int threads = (int) Math.max(1, Math.min(CpuParallel.THREADS, m * n * k / PARALLEL_GRAIN));
        for (long jb = 0; jb < n; jb += NC) {
            int nc = (int) Math.min(NC, n - jb);
            int panels = (nc + NR - 1) / NR;
            for (long pb = 0; pb < k; pb += KC) {
                int kc = (int) Math.min(KC, k - pb);
                double[] packed = new double[panels * kc * NR];
                for (int panel = 0; panel < panels; panel++) {
                    for (int kk = 0; kk < kc; kk++) {
                        for (int j = 0; j < NR && panel * NR + j < nc; j++) {
                            packed[(panel * kc + kk) * NR + j] = b.segment().get(F64,
                                    (b0 + (pb + kk) * bk + (jb + panel * NR + j) * bn) * 8);
                        }
                    }
                }
                long jb0 = jb, pb0 = pb;
                boolean first = pb == 0;
                CpuParallel.forEach(threads, t -> {
                    double[] tile = new double[MR * NR];
                    for (long tileRow = rowTiles * t / threads; tileRow < rowTiles * (t + 1) / threads; tileRow++) {
                        long i0 = tileRow * MR;
                        int rows = (int) Math.min(MR, m - i0);
                        for (int panel = 0; panel < panels; panel++) {
                            kernel(a.segment(), a0 + i0 * am + pb0 * ak, am, ak, rows, kc, packed, panel * kc * NR, tile);
                            int cols = Math.min(NR, nc - panel * NR);
                            store(op, tile, rows, cols, i0, jb0 + (long) panel * NR, c0, om, on, d0, first);
                        }
                    }
                });
            }
        }
    }

    /** {@code tile[i * NR + j] = sum_kk A[i, kk] * panel[kk][j]}: 6 rows (absent ones repeat row 0) by 2 vectors. */
    private static void kernel(MemorySegment a, long aAt, long am, long ak, int rows, int kc, double[] panel, int pOff,
            double[] tile) {
        DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
        DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
        DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S), c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
        long r1 = rows > 1 ? am : 0, r2 = rows > 2 ? 2 * am : 0, r3 = rows > 3 ? 3 * am : 0;
        long r4 = rows > 4 ? 4 * am : 0, r5 = rows > 5 ? 5 * am : 0;
        for (int kk = 0; kk < kc; kk++) {
            long at = (aAt + kk * ak) * 8;
            DoubleVector b0 = DoubleVector.fromArray(S, panel, pOff + kk * NR);
            DoubleVector b1 = DoubleVector.fromArray(S, panel, pOff + kk * NR + L);
            DoubleVector x = DoubleVector.broadcast(S, a.get(F64, at));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(S, a.get(F64, at + r1 * 8));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(S, a.get(F64, at + r2 * 8));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(S, a.get(F64, at + r3 * 8));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(S, a.get(F64, at + r4 * 8));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = DoubleVector.broadcast(S, a.get(F64, at + r5 * 8));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c10.intoArray(tile, NR); c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + L); c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + L); c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + L);
    }

    /** C (+)= alpha * tile, plus beta * D on the first k block; the tile's first {@code rows x cols} only. */
    private static void store(MatMul op, double[] tile, int rows, int cols, long i0, long j0, long c0, long om, long on,
            long d0, boolean first) {
        Operand out = op.out(), d = op.addend();
        int r = out.rank();
        MemorySegment c = out.segment();
        if (cols == NR && on == 1 && (!first || d == null)) {
            for (int i = 0; i < rows; i++) {
                long at = (c0 + (i0 + i) * om + j0) * 8;
                for (int v = 0; v < NR; v += L) {
                    DoubleVector sum = DoubleVector.fromArray(S, tile, i * NR + v).mul(op.alpha());
                    if (!first) {
                        sum = sum.add(DoubleVector.fromMemorySegment(S, c, at + v * 8L, ORDER));
                    }
                    sum.intoMemorySegment(c, at + v * 8L, ORDER);
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long at = (c0 + (i0 + i) * om + (j0 + j) * on) * 8;
                double v = op.alpha() * tile[i * NR + j];
                if (!first) {
                    v += c.get(F64, at);
                } else if (d != null) {
                    v += op.beta() * d.segment().get(F64, (d0 + (i0 + i) * d.strides()[r - 2] + (j0 + j) * d.strides()[r - 1]) * 8);
                }
                c.set(F64, at, v);
            }
        }
    }
}
