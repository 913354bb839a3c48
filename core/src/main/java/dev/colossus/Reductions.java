package dev.colossus;

import dev.colossus.op.Reduce;
import dev.colossus.op.ReduceFn;
import dev.colossus.spi.Operand;
import java.util.Arrays;

/** Sum, mean, max, min, argmax and var over chosen dims: the axes checked, the kept shape, the op dispatched. */
final class Reductions {
    private Reductions() {
    }

    static Tensor reduce(ReduceFn fn, Tensor x, int[] dims, boolean keepdim, int correction) {
        String op = fn.apiName();
        Operand in = OpChecks.open(op, x);
        int[] axes = reducedAxes(op, in.shape(), dims);
        DType dtype = in.dtype();
        if ((fn == ReduceFn.MEAN || fn == ReduceFn.VAR) && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + in.describe() + ": dtype " + dtype
                    + " is not floating point; cast with to(DType.F32)");
        }
        DType outType = switch (fn) {
            case ARGMAX -> DType.I64;
            case SUM -> dtype.isFloatingPoint() ? dtype : DType.I64;
            default -> dtype;
        };
        Shape kept = in.shape();
        long count = 1;
        for (int axis : axes) {
            kept = kept.with(axis, 1);
            count *= in.dim(axis);
        }
        if (count == 0 && (fn == ReduceFn.MAX || fn == ReduceFn.MIN || fn == ReduceFn.ARGMAX)) {
            throw new IllegalArgumentException(op + ": " + in.describe() + ": cannot reduce zero elements along dims "
                    + Arrays.toString(axes));
        }
        Operand out = Dispatcher.compute(op, in.storage().device(), outType, kept,
                o -> new Reduce(fn, in, axes, correction, o), x);
        if (!keepdim) {
            for (int i = axes.length - 1; i >= 0; i--) {
                out = out.squeeze(axes[i]);
            }
        }
        return Tensor.adopt(out);
    }

    private static int[] reducedAxes(String op, Shape shape, int[] dims) {
        if (dims == null || dims.length == 0) {
            int[] all = new int[shape.rank()];
            Arrays.setAll(all, i -> i);
            return all;
        }
        int[] axes = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            axes[i] = shape.axis(op, dims[i]);
        }
        Arrays.sort(axes);
        for (int i = 1; i < axes.length; i++) {
            if (axes[i] == axes[i - 1]) {
                throw new IllegalArgumentException(op + ": dim " + axes[i] + " repeated in " + Arrays.toString(dims));
            }
        }
        return axes;
    }
}
