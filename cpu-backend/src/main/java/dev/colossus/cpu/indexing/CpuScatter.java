package dev.colossus.cpu.indexing;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Scatter;
import dev.colossus.reference.Elements;
import dev.colossus.spi.Operand;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code scatterAdd} and {@code indexCopy}, element by element:
 * <pre>
 *   for a in [0, src.dim(axis)), in order:            for each i of src's shape with i_axis = a
 *     out[i with i_axis = index[i]] (+)= src[i]
 * </pre>
 * Every element that lands on one place of out shares its other coordinates with it, so the workers
 * split those other coordinates (the shape with the axis taken out) and each walks all of the axis's
 * positions, in order, over its own part: no two workers touch one place, and each place sums its
 * elements in the order of i, as the reference does (in F32 arithmetic, rounded to out's dtype after
 * each addition: the same values as the reference's double arithmetic, since a sum of two values of
 * at most 11 significant bits rounds alike through F32's 24). Accumulating runs for the floating
 * dtypes F32, F64, F16 and BF16 and the integers but BOOL (adding in their width, wrapping); copying
 * for any dtype.
 */
public final class CpuScatter {
    /** Bytes of src per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 16;
    /** Elements per run, the size of each task's buffer of offsets. */
    private static final int BLOCK = 4096;
    private static final Set<DType> ADDS = EnumSet.of(DType.F32, DType.F64, DType.F16, DType.BF16, DType.I32, DType.I64,
            DType.I16, DType.I8, DType.U8);

    private CpuScatter() {
    }

    /**
     * Whether {@link #scatter} computes {@code s}: a copy of any dtype or an accumulation into one of
     * {@link #ADDS}, into an out that names each place once (an expanded view, several places one,
     * would have workers race on it).
     */
    public static boolean handles(Scatter s) {
        long[] dims = s.out().shape().dims(), strides = s.out().strides();
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] > 1 && strides[d] == 0) {
                return false;
            }
        }
        return !s.accumulate() || ADDS.contains(s.out().dtype());
    }

    public static void scatter(Scatter s) {
        Operand src = s.src(), index = s.index(), out = s.out();
        int axis = s.axis();
        long positions = src.dim(axis), srcStep = src.strides()[axis], indexStep = index.strides()[axis], pick = out.strides()[axis];
        // src's shape less the axis: its size-1 dimension is one the walk drops
        StridedWalk walk = new StridedWalk(src.shape().with(axis, 1), src, out, index);
        long across = walk.numel();
        long srcStride = walk.innerStride(0), outStride = walk.innerStride(1), indexStride = walk.innerStride(2);
        int tasks = CpuParallel.tasksFor(src.numel() * src.dtype().byteSize(), GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long[] fromAt = new long[BLOCK], toAt = new long[BLOCK];
            for (long a = 0; a < positions; a++) {
                long srcAt = a * srcStep, indexAt = a * indexStep;
                walk.forRuns(across * t / tasks, across * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                    ElementMoves.picked(index, offsets[2] + indexAt, indexStride, offsets[1], outStride, pick, toAt, n);
                    ElementMoves.strided(offsets[0] + srcAt, srcStride, fromAt, n);
                    if (s.accumulate()) {
                        add(src, fromAt, out, toAt, n);
                    } else {
                        ElementMoves.move(src.segment(), fromAt, out.segment(), toAt, n, out.dtype().byteSize());
                    }
                });
            }
        });
    }

    /** {@code out[toAt[i]] += src[fromAt[i]]} for {@code i < n}, one loop per dtype. */
    private static void add(Operand src, long[] fromAt, Operand out, long[] toAt, int n) {
        MemorySegment s = src.segment(), o = out.segment();
        switch (out.dtype()) {
            case F32 -> {
                ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT_UNALIGNED;
                for (int i = 0; i < n; i++) {
                    o.set(f, 4 * toAt[i], o.get(f, 4 * toAt[i]) + s.get(f, 4 * fromAt[i]));
                }
            }
            case F64 -> {
                ValueLayout.OfDouble f = ValueLayout.JAVA_DOUBLE_UNALIGNED;
                for (int i = 0; i < n; i++) {
                    o.set(f, 8 * toAt[i], o.get(f, 8 * toAt[i]) + s.get(f, 8 * fromAt[i]));
                }
            }
            case F16 -> {
                ValueLayout.OfShort h = ValueLayout.JAVA_SHORT_UNALIGNED;
                for (int i = 0; i < n; i++) {
                    float sum = Float.float16ToFloat(o.get(h, 2 * toAt[i])) + Float.float16ToFloat(s.get(h, 2 * fromAt[i]));
                    o.set(h, 2 * toAt[i], Float.floatToFloat16(sum));
                }
            }
            case BF16 -> {
                ValueLayout.OfShort h = ValueLayout.JAVA_SHORT_UNALIGNED;
                for (int i = 0; i < n; i++) {
                    float sum = Elements.bf16ToFloat(o.get(h, 2 * toAt[i])) + Elements.bf16ToFloat(s.get(h, 2 * fromAt[i]));
                    o.set(h, 2 * toAt[i], Elements.floatToBf16(sum));
                }
            }
            case I64 -> {
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG_UNALIGNED;
                for (int i = 0; i < n; i++) {
                    o.set(l, 8 * toAt[i], o.get(l, 8 * toAt[i]) + s.get(l, 8 * fromAt[i]));
                }
            }
            case I32 -> {
                ValueLayout.OfInt l = ValueLayout.JAVA_INT_UNALIGNED;
                for (int i = 0; i < n; i++) {
                    o.set(l, 4 * toAt[i], o.get(l, 4 * toAt[i]) + s.get(l, 4 * fromAt[i]));
                }
            }
            case I16 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED;
                for (int i = 0; i < n; i++) {
                    o.set(l, 2 * toAt[i], (short) (o.get(l, 2 * toAt[i]) + s.get(l, 2 * fromAt[i])));
                }
            }
            case I8, U8 -> {
                for (int i = 0; i < n; i++) {
                    o.set(ValueLayout.JAVA_BYTE, toAt[i], (byte) (o.get(ValueLayout.JAVA_BYTE, toAt[i]) + s.get(ValueLayout.JAVA_BYTE, fromAt[i])));
                }
            }
            default -> throw new IllegalStateException("scatterAdd: no CPU kernel accumulates " + out.describe());
        }
    }
}
