package dev.colossus;

import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.util.List;

/**
 * The in-place writes, {@link Tensor#copyFrom}, {@link Tensor#fill} and {@link Tensor#indexCopy}: ops
 * whose output is the view being written, its elements only.
 *
 * <p>The aliasing rule: a write reads its source as if the whole source were read before anything is
 * written. When the source shares storage with the destination and the element ranges they span
 * meet, the source is first copied to fresh memory; otherwise it is read in place.
 */
final class Writes {
    private Writes() {
    }

    /** {@code dest[i] = cast(src[i])}, src broadcast to dest's shape, moved to dest's device if elsewhere. */
    static void copyFrom(Tensor dest, Tensor src) {
        String op = "copyFrom";
        Operand d = writable(op, dest);
        Operand s = OpChecks.open(op, src);
        if (!s.shape().broadcastsTo(d.shape())) {
            throw new IllegalArgumentException(op + ": src " + s.describe() + " does not broadcast to the destination "
                    + d.describe());
        }
        try (Tensor there = src.to(dest.device()); Tensor source = readFirstIfOverlapping(op, there, d)) {
            Operand from = source.operand(op).broadcastTo(d.shape());
            Dispatcher.writeInto(op, dest, out -> List.of(new Copy(from, out)), source);
        }
    }

    /** Every element of {@code dest} (a view's elements only) set to {@code value}, cast to its dtype. */
    static void fill(Tensor dest, double value) {
        writable("fill", dest);
        Dispatcher.writeInto("fill", dest, out -> List.of(new Fill(out, value)));
    }

    /** {@code t}'s operand, after checking that its memory may be written: not a read-only segment. */
    static Operand writable(String op, Tensor t) {
        Operand o = OpChecks.open(op, t);
        if (o.storage() instanceof HostStorage host && host.segment().isReadOnly()) {
            throw new UnsupportedOperationException(op + ": " + o.describe() + " wraps read-only memory (a file mapped for"
                    + " reading, a read-only segment); write into a copy() instead");
        }
        return o;
    }

    /**
     * {@code src}, or a fresh copy of it when the storage elements it spans meet those {@code dest}
     * spans: the source as it was before the write (see the class comment). A new handle either way.
     */
    static Tensor readFirstIfOverlapping(String op, Tensor src, Operand dest) {
        Operand s = OpChecks.open(op, src);
        return s.storage() == dest.storage() && spansMeet(s, dest) ? src.copy() : src.to(src.dtype());
    }

    private static boolean spansMeet(Operand a, Operand b) {
        if (a.numel() == 0 || b.numel() == 0) {
            return false;
        }
        long[] spanA = span(a), spanB = span(b);
        long bytesA = a.dtype().byteSize(), bytesB = b.dtype().byteSize();
        return spanA[0] * bytesA < (spanB[1] + 1) * bytesB && spanB[0] * bytesB < (spanA[1] + 1) * bytesA;
    }

    /** The lowest and highest storage element offsets of x's elements. */
    private static long[] span(Operand x) {
        long low = x.offset(), high = x.offset();
        for (int d = 0; d < x.rank(); d++) {
            long reach = (x.dim(d) - 1) * x.strides()[d];
            if (reach < 0) {
                low += reach;
            } else {
                high += reach;
            }
        }
        return new long[] {low, high};
    }
}
