package dev.colossus;

import dev.colossus.op.Concat;
import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link Ops#cat} and {@link Ops#stack}, a {@link Concat} of the parts into one fresh tensor, and
 * {@link Tensor#split} and {@link Tensor#chunk}, views.
 */
final class Joins {
    private Joins() {
    }

    /** The parts end to end along {@code dim}: one dtype, one device, equal sizes elsewhere. */
    static Tensor cat(int dim, Tensor... tensors) {
        String op = "cat";
        Operand[] parts = parts(op, tensors);
        Operand first = parts[0];
        int axis = first.shape().axis(op, dim);
        long length = 0;
        for (Operand p : parts) {
            if (p.rank() != first.rank() || !p.shape().with(axis, 1).equals(first.shape().with(axis, 1))) {
                throw new IllegalArgumentException(op + ": " + p.describe() + " and " + first.describe()
                        + " must have the same sizes outside dimension " + axis);
            }
            length = Math.addExact(length, p.dim(axis));
        }
        Shape shape = first.shape().with(axis, length);
        return Tensor.adopt(Dispatcher.compute(op, first.storage().device(), first.dtype(), shape,
                out -> new Concat(List.of(parts), axis, out), tensors));
    }

    /** The parts, of one shape, along a new dimension {@code dim} (in {@code -rank-1..rank}). */
    static Tensor stack(int dim, Tensor... tensors) {
        String op = "stack";
        Operand[] parts = parts(op, tensors);
        Operand first = parts[0];
        for (Operand p : parts) {
            if (!p.shape().equals(first.shape())) {
                throw new IllegalArgumentException(op + ": " + p.describe() + " and " + first.describe() + " must have one shape");
            }
        }
        if (dim < -first.rank() - 1 || dim > first.rank()) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for a result of rank " + (first.rank() + 1));
        }
        int axis = dim < 0 ? dim + first.rank() + 1 : dim;
        Shape shape = first.unsqueeze(axis).shape().with(axis, parts.length);
        List<Operand> unsqueezed = Arrays.stream(parts).map(p -> p.unsqueeze(axis)).toList();
        return Tensor.adopt(Dispatcher.compute(op, first.storage().device(), first.dtype(), shape,
                out -> new Concat(unsqueezed, axis, out), tensors));
    }

    private static Operand[] parts(String op, Tensor... tensors) {
        if (tensors == null || tensors.length == 0) {
            throw new IllegalArgumentException(op + ": needs at least one tensor");
        }
        Operand[] parts = new Operand[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            parts[i] = OpChecks.open(op, tensors[i]);
            OpChecks.sameDevice(op, parts[0], parts[i]);
            OpChecks.sameDType(op, parts[0], parts[i]);
        }
        return parts;
    }

    /** Views of consecutive pieces along {@code dim} of the given sizes, which add up to its size. */
    static List<Tensor> split(Tensor x, int dim, long... sizes) {
        String op = "split";
        Operand in = OpChecks.open(op, x);
        int axis = in.shape().axis(op, dim);
        long total = 0;
        for (long size : sizes) {
            if (size < 0) {
                throw new IllegalArgumentException(op + ": negative size " + size + " in " + Arrays.toString(sizes));
            }
            total += size;
        }
        if (total != in.dim(axis)) {
            throw new IllegalArgumentException(op + ": sizes " + Arrays.toString(sizes) + " add up to " + total
                    + ", not dimension " + axis + "'s " + in.dim(axis) + " of " + in.describe());
        }
        List<Tensor> pieces = new ArrayList<>(sizes.length);
        long at = 0;
        for (long size : sizes) {
            pieces.add(x.narrow(axis, at, size));
            at += size;
        }
        return pieces;
    }

    /** As torch.chunk: pieces of {@code ceil(size / n)} along {@code dim}, the last smaller, at most n of them. */
    static List<Tensor> chunk(Tensor x, int n, int dim) {
        String op = "chunk";
        Operand in = OpChecks.open(op, x);
        if (n <= 0) {
            throw new IllegalArgumentException(op + ": the number of chunks must be positive, got " + n);
        }
        int axis = in.shape().axis(op, dim);
        long size = in.dim(axis), piece = Math.max(1, (size + n - 1) / n);
        List<Tensor> pieces = new ArrayList<>(n);
        for (long at = 0; at < size || at == 0 && pieces.isEmpty(); at += piece) {
            pieces.add(x.narrow(axis, at, Math.min(piece, size - at)));
        }
        return pieces;
    }
}
