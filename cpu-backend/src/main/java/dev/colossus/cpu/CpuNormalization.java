package dev.colossus.cpu;

import dev.colossus.op.LayerNorm;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Softmax;
import dev.colossus.spi.Operand;

/**
 * Softmax along an axis and layer/RMS norm over trailing axes, for F32, F16 and BF16: one row at a
 * time (loaded into an F32 buffer through any strides, computed with vector lanes, stored back),
 * rows in parallel. Sums over a row are taken in F32 per block of {@link CpuElementwise#BLOCK} and
 * combined in double.
 */
final class CpuNormalization {
    private static final int BLOCK = CpuElementwise.BLOCK;
    private static final long GRAIN = 1 << 14;
    private static final FloatKernels K = FloatKernels.instance();

    private CpuNormalization() {
    }

    /** What to do with one row, in place in {@code row[0 : n]}. */
    private interface RowOp {
        void apply(float[] row, int n);
    }

    /** Loads each row of {@code in}, applies {@code op}, stores it to the same row of {@code out}. */
    private static void eachRow(RowLayout in, RowLayout out, RowOp op) {
        long rows = in.rows();
        int n = Math.toIntExact(in.rowLength());
        int tasks = CpuParallel.tasksFor(rows * Math.max(1, n), GRAIN);
        CpuParallel.forEach(tasks, t -> {
            float[] row = new float[n];
            for (long r = rows * t / tasks; r < rows * (t + 1) / tasks; r++) {
                in.load(in.start(r), row);
                op.apply(row, n);
                out.store(row, out.start(r));
            }
        });
    }

    /** {@code exp(x - max) / sum exp(x - max)}, or {@code x - max - log(sum exp(x - max))}, per row. */
    static void softmax(Softmax op) {
        eachRow(new RowLayout(op.x(), op.axis()), new RowLayout(op.out(), op.axis()), (row, n) -> {
            float max = K.max(row, 0, n);
            if (!op.log()) {
                K.scale(row, 0, n, (float) (1 / expShifted(row, n, max)));
                return;
            }
            float logSum = (float) Math.log(expShifted(row.clone(), n, max));
            K.normalize(row, n, max, 1, null, null);
            K.normalize(row, n, logSum, 1, null, null);
        });
    }

    /** {@code (x - mean) / sqrt(var + eps) * weight + bias} per row of the normalized axes. */
    static void layerNorm(LayerNorm op) {
        float[] weight = load(op.weight(), op.normalizedAxes());
        float[] bias = load(op.bias(), op.normalizedAxes());
        eachRow(RowLayout.trailing(op.x(), op.normalizedAxes()), RowLayout.trailing(op.out(), op.normalizedAxes()),
                (row, n) -> {
                    float mean = (float) (sum(row, n) / n);
                    double variance = squaredDeviations(row, n, mean) / n;
                    K.normalize(row, n, mean, (float) (1 / Math.sqrt(variance + op.eps())), weight, bias);
                });
    }

    /** {@code x / sqrt(mean(x^2) + eps) * weight} per row of the normalized axes. */
    static void rmsNorm(RmsNorm op) {
        float[] weight = load(op.weight(), op.normalizedAxes());
        eachRow(RowLayout.trailing(op.x(), op.normalizedAxes()), RowLayout.trailing(op.out(), op.normalizedAxes()),
                (row, n) -> {
                    double meanSquare = squaredDeviations(row, n, 0) / n;
                    K.normalize(row, n, 0, (float) (1 / Math.sqrt(meanSquare + op.eps())), weight, null);
                });
    }

    /** The whole of a weight or bias as one F32 row, or null. */
    private static float[] load(Operand parameter, int axes) {
        if (parameter == null) {
            return null;
        }
        RowLayout layout = RowLayout.trailing(parameter, axes);
        float[] values = new float[Math.toIntExact(layout.rowLength())];
        layout.load(layout.start(0), values);
        return values;
    }

    private static double sum(float[] row, int n) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += K.sum(row, i, Math.min(BLOCK, n - i));
        }
        return sum;
    }

    /** {@code row[i] = exp(row[i] - shift)}, returning their sum. */
    private static double expShifted(float[] row, int n, float shift) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += K.expShifted(row, i, Math.min(BLOCK, n - i), shift);
        }
        return sum;
    }

    private static double squaredDeviations(float[] row, int n, float mean) {
        double sum = 0;
        for (int i = 0; i < n; i += BLOCK) {
            sum += K.squaredDeviations(row, i, Math.min(BLOCK, n - i), mean);
        }
        return sum;
    }
}
