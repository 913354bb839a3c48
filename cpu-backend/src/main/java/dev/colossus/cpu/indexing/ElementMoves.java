package dev.colossus.cpu.indexing;

import dev.colossus.cpu.simd.LongIO;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs of elements moved by their bytes between two lists of element offsets, and the lists: one a
 * run's strided offsets, one the offsets an index picks. {@link CpuGather} reads at the picked
 * offsets, {@link CpuScatter} writes at them.
 */
final class ElementMoves {
    private ElementMoves() {
    }

    /**
     * {@code at[i] = base + i * stride + index[indexAt + i * indexStride] * pick} for {@code i < n}: the
     * offsets of a run whose position along one axis (of stride {@code pick}) the index gives.
     */
    static void picked(Operand index, long indexAt, long indexStride, long base, long stride, long pick, long[] at, int n) {
        LongIO.load(index, indexAt, indexStride, at, n);
        for (int i = 0; i < n; i++) {
            at[i] = base + i * stride + at[i] * pick;
        }
    }

    /** {@code at[i] = base + i * stride} for {@code i < n}. */
    static void strided(long base, long stride, long[] at, int n) {
        for (int i = 0; i < n; i++) {
            at[i] = base + i * stride;
        }
    }

    /** {@code to[toAt[i]] = from[fromAt[i]]} for {@code i < n}, elements of {@code size} bytes (1, 2, 4 or 8); one loop per size. */
    static void move(MemorySegment from, long[] fromAt, MemorySegment to, long[] toAt, int n, int size) {
        switch (size) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    to.set(ValueLayout.JAVA_BYTE, toAt[i], from.get(ValueLayout.JAVA_BYTE, fromAt[i]));
                }
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    to.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * toAt[i], from.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * fromAt[i]));
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i++) {
                    to.set(ValueLayout.JAVA_INT_UNALIGNED, 4 * toAt[i], from.get(ValueLayout.JAVA_INT_UNALIGNED, 4 * fromAt[i]));
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    to.set(ValueLayout.JAVA_LONG_UNALIGNED, 8 * toAt[i], from.get(ValueLayout.JAVA_LONG_UNALIGNED, 8 * fromAt[i]));
                }
            }
        }
    }
}
