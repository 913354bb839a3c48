package dev.colossus.cpu.reduce;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.DoubleIO;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.op.CumSum;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/**
 * {@link CumSum} for F32, F16, BF16 and F64: the running sums in double, each rounded once to the dtype,
 * so {@code |out[j] - S_j| <= ulp(S_j)/2 + j 2^-53 sum_{t<=j} |x_t|}, S_j the exact sum (F64: the
 * reference's sums, bit for bit, as they are added in its order). Along the last
 * dimension a line is one dependent chain of additions (a vector scan would reorder it for little
 * gain at one add per element); along any other, {@code block} neighbouring lines advance together, a
 * row of x at a time, in arrays C2 vectorises. Lines are split across the workers.
 */
public final class CpuScan {
    /** Lines advanced together when the axis is not the last. */
    private static final int LINES = 512;

    private CpuScan() {
    }

    public static void cumsum(CumSum op) {
        Operand x = op.x(), out = op.out();
        int axis = op.axis();
        long n = x.dim(axis);
        if (n == 0 || x.numel() == 0) {
            return;
        }
        int last = x.rank() - 1;
        long inner = axis == last ? 1 : x.dim(last);
        long groups = x.numel() / n / inner;
        long blocks = (inner + LINES - 1) / LINES;
        long[] dims = x.shape().dims();
        int tasks = CpuParallel.tasksFor(groups * blocks * n * Math.min(inner, LINES), 1 << 15);
        CpuParallel.forEach(tasks, t -> {
            int width = (int) Math.min(inner, LINES);
            float[] row = new float[axis == last ? FloatIO.BLOCK : width];
            double[] sums = new double[width];
            double[] wide = x.dtype() == DType.F64 ? new double[row.length] : null;
            for (long g = groups * blocks * t / tasks, end = groups * blocks * (t + 1) / tasks; g < end; g++) {
                long group = g / blocks, column = (g % blocks) * LINES;
                long xAt = x.offset() + offset(group, axis, dims, x.strides()) + column * (axis == last ? 0 : x.strides()[last]);
                long outAt = out.offset() + offset(group, axis, dims, out.strides()) + column * (axis == last ? 0 : out.strides()[last]);
                if (axis == last) {
                    line(x, xAt, x.strides()[axis], out, outAt, out.strides()[axis], n, row, wide);
                } else {
                    lines(x, xAt, out, outAt, axis, n, (int) Math.min(LINES, inner - column), row, wide, sums);
                }
            }
        });
    }

    /** One line along the last dimension, in chunks of the buffer (F64's in {@code wide}), one running double. */
    private static void line(Operand x, long xAt, long xStride, Operand out, long outAt, long outStride, long n, float[] row, double[] wide) {
        double sum = 0;
        for (long j = 0; j < n; j += row.length) {
            int count = (int) Math.min(row.length, n - j);
            if (x.dtype() == DType.F64) {
                DoubleIO.load(x, xAt + j * xStride, xStride, wide, count);
                for (int i = 0; i < count; i++) {
                    sum += wide[i];
                    wide[i] = sum;
                }
                DoubleIO.store(wide, count, out, outAt + j * outStride, outStride);
                continue;
            }
            FloatIO.load(x, xAt + j * xStride, xStride, row, 0, count);
            for (int i = 0; i < count; i++) {
                sum += row[i];
                row[i] = (float) sum;
            }
            FloatIO.store(row, 0, count, out, outAt + j * outStride, outStride);
        }
    }

    /** {@code width} neighbouring lines along the last dimension advanced together along the axis (F64's rows in {@code wide}). */
    private static void lines(Operand x, long xAt, Operand out, long outAt, int axis, long n, int width, float[] row, double[] wide,
            double[] sums) {
        int last = x.rank() - 1;
        Arrays.fill(sums, 0, width, 0);
        for (long j = 0; j < n; j++) {
            if (x.dtype() == DType.F64) {
                DoubleIO.load(x, xAt + j * x.strides()[axis], x.strides()[last], wide, width);
                for (int i = 0; i < width; i++) {
                    sums[i] += wide[i];
                }
                DoubleIO.store(sums, width, out, outAt + j * out.strides()[axis], out.strides()[last]);
                continue;
            }
            FloatIO.load(x, xAt + j * x.strides()[axis], x.strides()[last], row, 0, width);
            for (int i = 0; i < width; i++) {
                sums[i] += row[i];
                row[i] = (float) sums[i];
            }
            FloatIO.store(row, 0, width, out, outAt + j * out.strides()[axis], out.strides()[last]);
        }
    }

    /**
     * The storage offset of group g: g row-major over the dimensions other than the axis and the last
     * (the last too when it is the axis).
     */
    private static long offset(long g, int axis, long[] dims, long[] strides) {
        long offset = 0;
        for (int d = dims.length - 2; d >= 0; d--) {
            if (d != axis) {
                offset += (g % dims[d]) * strides[d];
                g /= dims[d];
            }
        }
        return offset;
    }
}
