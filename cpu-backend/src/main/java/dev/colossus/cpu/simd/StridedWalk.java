package dev.colossus.cpu.simd;

import dev.colossus.Shape;
import dev.colossus.spi.Operand;

/**
 * The elements of a shape, visited in row-major order as runs along the innermost dimension, for
 * several operands of that shape at once (inputs broadcast with stride 0, outputs).
 *
 * <p>Size-1 dimensions are dropped and dimensions that are contiguous with the next one in every
 * operand are merged first, so dense operands are one long run, however many dimensions they have.
 */
public final class StridedWalk {
    /** What to do with one run: {@code offsets[o]} is operand {@code o}'s element offset of its first element. */
    public interface Run {
        void accept(long[] offsets, int length);
    }

    private final long[] dims;
    private final long[][] strides;
    private final long[] bases;
    private final long inner;
    private final long numel;

    public StridedWalk(Shape shape, Operand... operands) {
        int k = operands.length;
        long[] ds = new long[shape.rank() + 1];
        long[][] ss = new long[k][shape.rank() + 1];
        int rank = 0;
        for (int d = shape.rank() - 1; d >= 0; d--) {
            long size = shape.dim(d);
            if (size == 1) {
                continue;
            }
            boolean merge = rank > 0;
            for (int o = 0; o < k && merge; o++) {
                merge = operands[o].strides()[d] == ss[o][rank - 1] * ds[rank - 1];
            }
            if (merge) {
                ds[rank - 1] *= size;
            } else {
                ds[rank] = size;
                for (int o = 0; o < k; o++) {
                    ss[o][rank] = operands[o].strides()[d];
                }
                rank++;
            }
        }
        if (rank == 0) {
            ds[0] = shape.numel();
            rank = 1;
        }
        // collected innermost first; store outermost first
        dims = new long[rank];
        strides = new long[k][rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = ds[rank - 1 - d];
            for (int o = 0; o < k; o++) {
                strides[o][d] = ss[o][rank - 1 - d];
            }
        }
        bases = new long[k];
        for (int o = 0; o < k; o++) {
            bases[o] = operands[o].offset();
        }
        inner = dims[rank - 1];
        numel = shape.numel();
    }

    /** A walk over out's shape with out as operand 0 and {@code inputs[i]} as operand i + 1: an elementwise op's. */
    public static StridedWalk ofOutAndInputs(Operand out, Operand[] inputs) {
        Operand[] operands = new Operand[inputs.length + 1];
        operands[0] = out;
        System.arraycopy(inputs, 0, operands, 1, inputs.length);
        return new StridedWalk(out.shape(), operands);
    }

    public long numel() {
        return numel;
    }

    /** The stride of operand {@code o} along the runs. */
    public long innerStride(int o) {
        return strides[o][dims.length - 1];
    }

    /**
     * Visits elements {@code [from, to)} in runs of at most {@code maxRun}. The first element's index is
     * divided out once; after that the walk steps the offsets like an odometer, a run at a time (divided
     * out for every run of 32 floats down a transposed view, they cost 20 ns, six times the copy of the
     * run's 128 bytes). The body reads {@code offsets} and must not change them.
     */
    public void forRuns(long from, long to, int maxRun, Run body) {
        if (from >= to) {
            return;
        }
        int k = bases.length, last = dims.length - 1;
        long[] index = new long[last];
        long outer = from / inner, within = from - outer * inner;
        for (int d = last - 1; d >= 0; d--) {
            index[d] = outer % dims[d];
            outer /= dims[d];
        }
        long[] offsets = new long[k];
        for (int o = 0; o < k; o++) {
            offsets[o] = bases[o] + within * strides[o][last];
            for (int d = 0; d < last; d++) {
                offsets[o] += index[d] * strides[o][d];
            }
        }
        for (long p = from; p < to; ) {
            int n = (int) Math.min(Math.min(inner - within, to - p), maxRun);
            body.accept(offsets, n);
            p += n;
            within += n;
            if (within < inner) {
                for (int o = 0; o < k; o++) {
                    offsets[o] += n * strides[o][last];
                }
                continue;
            }
            // The end of a row: back to its start, then one step along the outer dimensions, carried.
            for (int o = 0; o < k; o++) {
                offsets[o] -= (inner - n) * strides[o][last];
            }
            within = 0;
            for (int d = last - 1; d >= 0; d--) {
                index[d]++;
                for (int o = 0; o < k; o++) {
                    offsets[o] += strides[o][d];
                }
                if (index[d] < dims[d]) {
                    break;
                }
                index[d] = 0;
                for (int o = 0; o < k; o++) {
                    offsets[o] -= dims[d] * strides[o][d];
                }
            }
        }
    }

    /** Operand {@code o}'s element offset of element {@code p} (in row-major order). */
    public long offset(int o, long p) {
        int last = dims.length - 1;
        long outer = p / inner;
        long offset = bases[o] + (p - outer * inner) * strides[o][last];
        for (int d = last - 1; d >= 0; d--) {
            offset += (outer % dims[d]) * strides[o][d];
            outer /= dims[d];
        }
        return offset;
    }
}
