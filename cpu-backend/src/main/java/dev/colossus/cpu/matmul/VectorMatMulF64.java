package dev.colossus.cpu.matmul;

import static dev.colossus.cpu.matmul.PackingBuffers.Kind.A;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.B;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.TILE;
import static dev.colossus.cpu.simd.NativeSegments.exact;

import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.cpu.simd.VectorLanes;
import dev.colossus.op.MatMul;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C[..., m, n] = alpha * sum_k A[..., m, k] * B[..., k, n] + beta * D[..., m, n]} for F64
 * operands, accumulated in F64; {@code (..., M, K) x (..., K, N) -> (..., M, N)}.
 *
 * <p>The F32 GEMM's loop nest ({@link CpuMatMul}) in F64: each thread takes one rectangle of C
 * ({@link RectangleGrid}) and packs its A rows in MR-row panels KC deep and its B columns in
 * NR-column panels, a KC x NC block at a time; the register tile is generated ({@link
 * VectorMicroKernelTilesF64}): 8 x 3L with 32 vector registers, else 6 x 2L, L doubles a vector.
 * Alpha, and beta D on the first KC step, apply as a tile is stored; beta 0 never reads D. Only on
 * the Vector API; the scalar path leaves F64 to the reference kernels.
 */
public final class VectorMatMulF64 {
    private static final VectorSpecies<Double> S = VectorLanes.DOUBLES;
    private static final int L = S.length();
    private static final boolean WIDE = Simd.BITS == 512;
    private static final int MR = WIDE ? 8 : 6;
    private static final int NR = (WIDE ? 3 : 2) * L;
    /** Depth of a packed panel: an 8-row A panel is 16 KiB, in L1. */
    private static final int KC = 256;
    /** Columns of a packed B block: whole panels filling half of L2. */
    private static final int NC = (int) Math.max(NR, CpuMatMul.BLOCKING.l2Bytes() / 2 / (KC * 8L) / NR * NR);
    /** Rows of a thread's packed A block: 4 MiB, as in the F32 GEMM. */
    private static final int MB = (4 << 20) / (KC * 8) / MR * MR;
    /** Multiply-adds a thread must have before a product is split across threads, as in the F32 GEMM. */
    private static final long PARALLEL_GRAIN = 1 << 17;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorMatMulF64() {
    }

    public static void matmul(MatMul op) {
        Operand a = op.a(), b = op.b(), out = op.out(), d = op.addend();
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        long batches = m * n == 0 ? 0 : out.numel() / (m * n);
        try (PackingBuffers.Lease lease = PackingBuffers.lease()) {
            for (long batch = 0; batch < batches; batch++) {
                Product p = new Product(op, offset(a, batch), offset(b, batch), offset(out, batch), d == null ? 0 : offset(d, batch),
                        m, n, k);
                multiply(p);
            }
        }
    }

    /** One matrix of the batch: its element offsets in A, B, C and D, and its sizes. */
    private record Product(MatMul op, long a0, long b0, long c0, long d0, long m, long n, long k) {
        Operand a() {
            return op.a();
        }

        Operand b() {
            return op.b();
        }

        long stride(Operand x, int fromLast) {
            return x.strides()[x.rank() - fromLast];
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

    private static void multiply(Product p) {
        if (p.k() == 0) {
            double[] zeros = new double[MR * NR];
            for (long i = 0; i < p.m(); i += MR) {
                for (long j = 0; j < p.n(); j += NR) {
                    store(p, zeros, (int) Math.min(MR, p.m() - i), (int) Math.min(NR, p.n() - j), i, j, true);
                }
            }
            return;
        }
        int threads = (int) Math.max(1, Math.min(CpuParallel.THREADS, p.m() * p.n() * p.k() / PARALLEL_GRAIN));
        RectangleGrid grid = RectangleGrid.best(threads, p.m(), p.n(), MR, NR);
        CpuParallel.forEach(grid.count(), t -> {
            long[] r = grid.rectangle(t, p.m(), p.n(), MR, NR);
            rectangle(p, r[0], r[1], r[2], r[3]);
        });
    }

    /** C's rows {@code [rowFrom, rowTo)} and columns {@code [columnFrom, columnTo)} on the calling thread. */
    private static void rectangle(Product p, long rowFrom, long rowTo, long columnFrom, long columnTo) {
        double[] tile = PackingBuffers.doubles(TILE, MR * NR);
        long columnPanels = (columnTo - columnFrom + NR - 1) / NR, blocks = (columnPanels * NR + NC - 1) / NC;
        for (long ib = rowFrom; ib < rowTo; ib += MB) {
            int mb = (int) Math.min(MB, rowTo - ib);
            for (long pc = 0; pc < p.k(); pc += KC) {
                int kc = (int) Math.min(KC, p.k() - pc), depth = (kc + 1) & ~1;
                double[] packedA = PackingBuffers.doubles(A, (mb + MR - 1) / MR * MR * depth);
                for (int ir = 0; ir < mb; ir += MR) {
                    packA(p, ib + ir, Math.min(MR, mb - ir), pc, kc, depth, packedA, ir * depth);
                }
                for (long block = 0; block < blocks; block++) {
                    long jb = columnFrom + columnPanels * block / blocks * NR;
                    int nc = (int) (Math.min(columnTo, columnFrom + columnPanels * (block + 1) / blocks * NR) - jb);
                    double[] packedB = PackingBuffers.doubles(B, (nc + NR - 1) / NR * NR * depth);
                    for (int jr = 0; jr < nc; jr += NR) {
                        packB(p, pc, kc, depth, jb + jr, Math.min(NR, nc - jr), packedB, jr * depth);
                    }
                    for (int ir = 0; ir < mb; ir += MR) {
                        for (int jr = 0; jr < nc; jr += NR) {
                            if (WIDE) {
                                VectorMicroKernelTilesF64.multiply8x3(depth, packedA, ir * depth, packedB, jr * depth, tile);
                            } else {
                                VectorMicroKernelTilesF64.multiply6x2(depth, packedA, ir * depth, packedB, jr * depth, tile);
                            }
                            store(p, tile, Math.min(MR, mb - ir), Math.min(NR, nc - jr), ib + ir, jb + jr, pc == 0);
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[dstOff + k * MR + i] = A[i0 + i, pc + k]}, zeros past {@code rows} and {@code kc} (to {@code depth}). */
    private static void packA(Product p, long i0, int rows, long pc, int kc, int depth, double[] dst, int dstOff) {
        if (rows < MR || depth > kc) {
            Arrays.fill(dst, dstOff, dstOff + MR * depth, 0);
        }
        MemorySegment a = p.a().segment();
        long am = p.stride(p.a(), 2), ak = p.stride(p.a(), 1), at = p.a0() + i0 * am + pc * ak;
        if (ak == 1) {
            for (int i = 0; i < rows; i++) {
                long row = (at + i * am) * 8;
                for (int k = 0; k < kc; k++) {
                    dst[dstOff + k * MR + i] = a.get(F64, row + 8L * k);
                }
            }
        } else {
            for (int k = 0; k < kc; k++) {
                for (int i = 0; i < rows; i++) {
                    dst[dstOff + k * MR + i] = a.get(F64, (at + i * am + k * ak) * 8);
                }
            }
        }
    }

    /** {@code dst[dstOff + k * NR + j] = B[pc + k, j0 + j]}, zeros past {@code cols} and {@code kc} (to {@code depth}). */
    private static void packB(Product p, long pc, int kc, int depth, long j0, int cols, double[] dst, int dstOff) {
        if (cols < NR || depth > kc) {
            Arrays.fill(dst, dstOff, dstOff + NR * depth, 0);
        }
        MemorySegment b = p.b().segment();
        long bk = p.stride(p.b(), 2), bn = p.stride(p.b(), 1), at = p.b0() + pc * bk + j0 * bn;
        if (bn == 1 && cols == NR) {
            for (int k = 0; k < kc; k++) {
                for (int v = 0; v < NR; v += L) {
                    DoubleVector.fromMemorySegment(S, exact(b), (at + k * bk + v) * 8, ORDER).intoArray(dst, dstOff + k * NR + v);
                }
            }
        } else if (bk == 1) {
            for (int j = 0; j < cols; j++) {
                for (int k = 0; k < kc; k++) {
                    dst[dstOff + k * NR + j] = b.get(F64, (at + j * bn + k) * 8);
                }
            }
        } else {
            for (int k = 0; k < kc; k++) {
                for (int j = 0; j < cols; j++) {
                    dst[dstOff + k * NR + j] = b.get(F64, (at + k * bk + j * bn) * 8);
                }
            }
        }
    }

    /**
     * C = alpha tile + beta D ({@code first}, the first KC step; no D where beta is 0) or C += alpha
     * tile, for the tile's first {@code rows x cols}.
     */
    private static void store(Product p, double[] tile, int rows, int cols, long i0, long j0, boolean first) {
        MatMul op = p.op();
        Operand out = op.out(), d = op.beta() == 0 ? null : op.addend();
        MemorySegment c = out.segment();
        long om = p.stride(out, 2), on = p.stride(out, 1);
        double alpha = op.alpha();
        if (cols == NR && on == 1 && (!first || d == null)) {
            for (int i = 0; i < rows; i++) {
                long at = (p.c0() + (i0 + i) * om + j0) * 8;
                for (int v = 0; v < NR; v += L) {
                    DoubleVector sum = DoubleVector.fromArray(S, tile, i * NR + v).mul(alpha);
                    if (!first) {
                        sum = sum.add(DoubleVector.fromMemorySegment(S, exact(c), at + v * 8L, ORDER));
                    }
                    sum.intoMemorySegment(exact(c), at + v * 8L, ORDER);
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long at = (p.c0() + (i0 + i) * om + (j0 + j) * on) * 8;
                double v = alpha * tile[i * NR + j];
                if (!first) {
                    v += c.get(F64, at);
                } else if (d != null) {
                    v += op.beta() * d.segment().get(F64, (p.d0() + (i0 + i) * p.stride(d, 2) + (j0 + j) * p.stride(d, 1)) * 8);
                }
                c.set(F64, at, v);
            }
        }
    }
}
