package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.LongIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Copy;
import dev.colossus.spi.Operand;

/**
 * Casts into and out of the integer types ({@link LongIO#handles}: I64, I32, I16, I8, U8), from and
 * to each other, F32, F16, BF16, the 8-bit floats and BOOL, as the reference casts: an integer becomes
 * {@code (float) (double) v}, then F16, BF16 or an 8-bit float rounded from that float (an I64 past
 * 2^53 is rounded twice, as there; past 2^24 every 8-bit float has saturated either way); a float
 * becomes {@code (long) v} (toward zero, NaN to 0, saturating), narrowed to the type's low bits; BOOL
 * is {@code v != 0}. Runs of the output ({@link
 * StridedWalk}), at most {@link FloatIO#BLOCK} elements, pass through long buffers ({@link LongIO}) and
 * float buffers ({@link FloatIO}); tasks take contiguous ranges of the output.
 */
public final class CpuIntegerCast {
    /** Elements per task: below it, threads cost more than they save. */
    private static final long GRAIN = 1 << 15;

    private CpuIntegerCast() {
    }

    /** Whether {@link #cast} computes {@code op}: an integer type on one side, and on the other one of those or a type FloatIO casts. */
    public static boolean handles(Copy op) {
        DType from = op.src().dtype(), to = op.out().dtype();
        return LongIO.handles(from) && (LongIO.handles(to) || FloatIO.casts(to)) || FloatIO.casts(from) && LongIO.handles(to);
    }

    public static void cast(Copy op) {
        Operand src = op.src(), out = op.out();
        boolean fromIntegers = LongIO.handles(src.dtype()), toIntegers = LongIO.handles(out.dtype()) || out.dtype() == DType.BOOL;
        StridedWalk walk = new StridedWalk(out.shape(), out, src);
        long numel = walk.numel();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            long[] integers = new long[BLOCK];
            float[] floats = new float[BLOCK];
            walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                if (fromIntegers) {
                    LongIO.load(src, offsets[1], walk.innerStride(1), integers, n);
                } else {
                    FloatIO.load(src, offsets[1], walk.innerStride(1), floats, 0, n);
                    for (int i = 0; i < n; i++) {
                        integers[i] = (long) floats[i];
                    }
                }
                if (toIntegers) {
                    LongIO.store(integers, n, out, offsets[0], walk.innerStride(0));
                } else {
                    for (int i = 0; i < n; i++) {
                        floats[i] = (float) (double) integers[i];
                    }
                    FloatIO.store(floats, 0, n, out, offsets[0], walk.innerStride(0));
                }
            });
        });
    }
}
