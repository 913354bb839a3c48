package dev.colossus.cpu.elementwise;

import static dev.colossus.cpu.simd.FloatIO.BLOCK;

import dev.colossus.DType;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.StridedWalk;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.Copy;
import dev.colossus.op.Fill;
import dev.colossus.op.Unary;
import dev.colossus.op.UnaryFn;
import dev.colossus.op.Where;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Copies, casts, fills and the elementwise functions: {@code out[i] = f(x[i], ...)} over any strides.
 *
 * <p>The output's elements are walked as runs ({@link StridedWalk}); each run, at most {@link FloatIO#BLOCK}
 * elements, is loaded into F32 buffers, computed by {@link ElementwiseKernels} and stored back, so one
 * kernel serves every layout and every 16-bit format. Tasks take contiguous ranges of the output.
 */
public final class CpuElementwise {
    private static final ElementwiseKernels ELEMENTWISE = ElementwiseKernels.instance();
    /**
     * Elements per task: below it, threads cost more than they save. 8192 rather than 32768: an op
     * inside a model reads what the op before wrote, from L3 or the other core, and runs 3-5x slower
     * than alone, so two threads pay off from smaller sizes (all-MiniLM-L6-v2 at 128 tokens, Intel
     * Xeon, two threads, {@code ModelProfile tokens128 300}, ms a pass in two runs each: the heads'
     * copies 0.286, 0.280 -> 0.176, 0.174, the residual adds 0.415, 0.380 -> 0.353, 0.346; alone, on
     * data in cache, an add of 16K-32K elements as fast or faster).
     */
    private static final long GRAIN = 1 << 13;

    private CpuElementwise() {
    }

    /** What to compute for one run: {@code in[o]} holds input o's values, {@code out} receives the results. */
    private interface Block extends AutoCloseable {
        void compute(float[][] in, float[] out, int n);

        /** Frees what the block holds, when the task that made it ends: nothing, for most. */
        @Override
        default void close() {
        }
    }

    /** {@code out[i] = block(inputs[0][i], ...)} over every index of out's shape, in parallel. */
    private static void map(Operand out, Operand[] inputs, Block block) {
        map(out, inputs, () -> block);
    }

    /**
     * {@link #map(Operand, Operand[], Block)} with each task's own block from {@code blocks}, closed when the
     * task ends. An input contiguous along another dimension than a contiguous out (a transposed operand,
     * {@code x * x.T}) is first copied into a buffer of out's layout, tile by tile ({@link TiledCopy}): read
     * along out's rows, each of its elements landed on a page of its own.
     */
    private static void map(Operand out, Operand[] inputs, Supplier<Block> blocks) {
        List<HostStorage> buffers = new ArrayList<>();
        try {
            Operand[] laidOut = inputs.clone();
            for (int i = 0; i < inputs.length; i++) {
                if (out.isContiguous() && TiledCopy.applies(out, inputs[i])) {
                    HostStorage buffer = HostStorage.allocate(out.numel() * inputs[i].dtype().byteSize());
                    buffers.add(buffer);
                    laidOut[i] = Operand.contiguous(buffer, inputs[i].dtype(), out.shape());
                    copy(new Copy(inputs[i], laidOut[i]));
                }
            }
            mapLaidOut(out, laidOut, blocks);
        } finally {
            buffers.forEach(HostStorage::release);
        }
    }

    /** {@link #map(Operand, Operand[], Supplier)} on inputs as they lie. */
    private static void mapLaidOut(Operand out, Operand[] inputs, Supplier<Block> blocks) {
        StridedWalk walk = StridedWalk.ofOutAndInputs(out, inputs);
        long numel = walk.numel();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> {
            float[][] in = new float[inputs.length][BLOCK];
            float[] result = new float[BLOCK];
            try (Block block = blocks.get()) {
                walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, BLOCK, (offsets, n) -> {
                    for (int i = 0; i < inputs.length; i++) {
                        FloatIO.load(inputs[i], offsets[i + 1], walk.innerStride(i + 1), in[i], 0, n);
                    }
                    block.compute(in, result, n);
                    FloatIO.store(result, 0, n, out, offsets[0], walk.innerStride(0));
                });
            }
        });
    }

    /** {@code out[i] = cast(src[i])} between F32, F16, BF16, BOOL and the 8-bit floats. */
    public static void cast(Copy op) {
        map(op.out(), new Operand[] {op.src()}, (in, out, n) -> System.arraycopy(in[0], 0, out, 0, n));
    }

    /**
     * {@code out[i] = src[i]} for one dtype, any: bytes moved, no conversion; a run at a time along out,
     * or in tiles where src is contiguous along another dimension ({@link TiledCopy}).
     */
    public static void copy(Copy op) {
        if (TiledCopy.run(op)) {
            return;
        }
        Operand src = op.src(), out = op.out();
        int size = src.dtype().byteSize();
        StridedWalk walk = new StridedWalk(out.shape(), out, src);
        long numel = walk.numel();
        long outStride = walk.innerStride(0), srcStride = walk.innerStride(1);
        MemorySegment from = src.segment(), to = out.segment();
        int tasks = CpuParallel.tasksFor(numel * size, GRAIN * 4);
        CpuParallel.forEach(tasks, t -> walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, Integer.MAX_VALUE,
                (offsets, n) -> {
                    if (outStride == 1 && srcStride == 1) {
                        MemorySegment.copy(from, offsets[1] * size, to, offsets[0] * size, (long) n * size);
                        return;
                    }
                    if (outStride == 1 && srcStride == 0) {
                        fillRun(from, offsets[1] * size, to.asSlice(offsets[0] * size, (long) n * size), size);
                        return;
                    }
                    for (long i = 0; i < n; i++) {
                        long s = (offsets[1] + i * srcStride) * size, d = (offsets[0] + i * outStride) * size;
                        switch (size) {
                            case 1 -> to.set(ValueLayout.JAVA_BYTE, d, from.get(ValueLayout.JAVA_BYTE, s));
                            case 2 -> to.set(ValueLayout.JAVA_SHORT_UNALIGNED, d, from.get(ValueLayout.JAVA_SHORT_UNALIGNED, s));
                            case 4 -> to.set(ValueLayout.JAVA_INT_UNALIGNED, d, from.get(ValueLayout.JAVA_INT_UNALIGNED, s));
                            default -> to.set(ValueLayout.JAVA_LONG_UNALIGNED, d, from.get(ValueLayout.JAVA_LONG_UNALIGNED, s));
                        }
                    }
                }));
    }

    /**
     * {@code run[i] = from[at]} for each element of {@code size} bytes in run: the first copied, then
     * what is filled copied after itself, doubling (a broadcast column made contiguous).
     */
    private static void fillRun(MemorySegment from, long at, MemorySegment run, int size) {
        MemorySegment.copy(from, at, run, 0, size);
        for (long filled = size; filled < run.byteSize(); filled *= 2) {
            MemorySegment.copy(run, 0, run, filled, Math.min(filled, run.byteSize() - filled));
        }
    }

    public static void fill(Fill op) {
        float value = (float) op.value();
        map(op.out(), new Operand[0], (in, out, n) -> Arrays.fill(out, 0, n, value));
    }

    public static void unary(Unary op) {
        if (contiguousDirectUnary(op)) {
            return;
        }
        if (DIRECT_IN_F32.contains(op.fn())) {
            map(op.out(), new Operand[] {op.x()}, () -> new DirectInF32(op.fn()));
        } else {
            map(op.out(), new Operand[] {op.x()}, (in, out, n) -> ELEMENTWISE.unary(op.fn(), in[0], out, n));
        }
    }

    /** The functions whose direct F32 kernel runs in passes over chunks, faster than in one loop even with {@link DirectInF32}'s copies. */
    private static final Set<UnaryFn> DIRECT_IN_F32 = EnumSet.of(UnaryFn.GELU, UnaryFn.ERF, UnaryFn.EXPM1, UnaryFn.TANH);

    /**
     * A function {@linkplain ElementwiseKernels#isDirect direct} in F32 applied to a run the buffered path
     * widened to F32, between two native buffers of its task: GELU, erf, expm1 or tanh on a 16-bit dtype, or on
     * runs that are not contiguous. Its loop over float arrays is past C2's node limit, and BF16 GELU so ran at
     * 2.3-2.4 ns a value, 0.7-0.8 this way (ElementwiseBench, 2^24 values, Zen 4, two threads); the
     * direct kernel takes it in three loops. For exp, sigmoid and silu the two copies cost more than
     * they save.
     */
    private static final class DirectInF32 implements Block {
        private final UnaryFn fn;
        private final HostStorage buffers = HostStorage.allocate(8L * BLOCK);
        private final MemorySegment x = buffers.segment().asSlice(0, 4L * BLOCK);
        private final MemorySegment y = buffers.segment().asSlice(4L * BLOCK, 4L * BLOCK);

        DirectInF32(UnaryFn fn) {
            this.fn = fn;
        }

        @Override
        public void compute(float[][] in, float[] out, int n) {
            MemorySegment.copy(in[0], 0, x, ValueLayout.JAVA_FLOAT, 0, n);
            ELEMENTWISE.directUnary(fn, DType.F32, x, 0, y, 0, n);
            MemorySegment.copy(y, ValueLayout.JAVA_FLOAT, 0, out, 0, n);
        }

        @Override
        public void close() {
            buffers.release();
        }
    }

    /**
     * {@link ElementwiseKernels#directUnary} straight between memory, for an F32, BF16 or F16 operand and output of
     * one dtype whose runs are contiguous: for its functions the buffered path's copies cost more than
     * the function. False, and nothing done, for anything else.
     */
    private static boolean contiguousDirectUnary(Unary op) {
        Operand out = op.out(), x = op.x();
        DType dtype = out.dtype();
        if (dtype != DType.F32 && !dtype.isHalf() || x.dtype() != dtype || !ElementwiseKernels.isDirect(op.fn(), dtype)) {
            return false;
        }
        StridedWalk walk = new StridedWalk(out.shape(), out, x);
        if (walk.innerStride(0) != 1 || walk.innerStride(1) != 1) {
            return false;
        }
        long numel = walk.numel();
        int size = dtype.byteSize();
        MemorySegment to = out.segment(), from = x.segment();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        CpuParallel.forEach(tasks, t -> walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, Integer.MAX_VALUE,
                (offsets, n) -> ELEMENTWISE.directUnary(op.fn(), dtype, from, size * offsets[1], to, size * offsets[0], n)));
        return true;
    }

    public static void binary(Binary op) {
        if (op.fn() == BinaryFn.POW && isSingleValue(op.b(), 2)) {
            // x^2 as x * x: the same bits (x^2 is exact in double, so the reference rounds it once, as the product is), 5x faster.
            binary(new Binary(BinaryFn.MUL, op.a(), op.a(), op.out()));
            return;
        }
        if (!contiguousArithmetic(op)) {
            map(op.out(), new Operand[] {op.a(), op.b()}, (in, out, n) -> ELEMENTWISE.binary(op.fn(), in[0], in[1], out, n));
        }
    }

    /** Whether x has elements, every one the one at its offset (a scalar broadcast), and that one equals value. */
    private static boolean isSingleValue(Operand x, float value) {
        if (x.shape().numel() == 0) {
            return false;
        }
        for (int d = 0; d < x.rank(); d++) {
            if (x.dim(d) > 1 && x.strides()[d] != 0) {
                return false;
            }
        }
        float[] first = new float[1];
        FloatIO.load(x, x.offset(), 0, first, 0, 1);
        return first[0] == value;
    }

    /**
     * {@link ElementwiseKernels#arithmetic} straight between the operands' memory, for F32, F16 or BF16 operands
     * of one dtype whose runs are contiguous, or for one of the two a single value along each run (a
     * scalar, or a column broadcast along rows), which is repeated into a small native buffer that
     * stays in L1: the buffered path's three extra copies through L1 cost a third of the rate. False,
     * and nothing done, for anything else.
     */
    private static boolean contiguousArithmetic(Binary op) {
        Operand out = op.out(), a = op.a(), b = op.b();
        DType dtype = out.dtype();
        if (dtype != DType.F32 && !dtype.isHalf() || a.dtype() != dtype || b.dtype() != dtype
                || !ElementwiseKernels.isArithmetic(op.fn())) {
            return false;
        }
        StridedWalk walk = new StridedWalk(out.shape(), out, a, b);
        long strideA = walk.innerStride(1), strideB = walk.innerStride(2);
        if (walk.innerStride(0) != 1 || strideA != 1 && strideA != 0 || strideB != 1 && strideB != 0 || strideA + strideB == 0) {
            return false;
        }
        int size = dtype.byteSize();
        long numel = walk.numel();
        MemorySegment to = out.segment(), x = a.segment(), y = b.segment();
        int tasks = CpuParallel.tasksFor(numel, GRAIN);
        int longestRun = strideA + strideB == 2 ? Integer.MAX_VALUE : BLOCK;
        CpuParallel.forEach(tasks, t -> {
            try (RepeatedValue repeated = strideA + strideB == 2 ? null : new RepeatedValue(size)) {
                walk.forRuns(numel * t / tasks, numel * (t + 1) / tasks, longestRun, (offsets, n) -> {
                    if (strideA == 0) {
                        ELEMENTWISE.arithmetic(op.fn(), dtype, repeated.of(x, size * offsets[1], n), 0, y, size * offsets[2], to,
                                size * offsets[0], n);
                    } else if (strideB == 0) {
                        ELEMENTWISE.arithmetic(op.fn(), dtype, x, size * offsets[1], repeated.of(y, size * offsets[2], n), 0, to,
                                size * offsets[0], n);
                    } else {
                        ELEMENTWISE.arithmetic(op.fn(), dtype, x, size * offsets[1], y, size * offsets[2], to, size * offsets[0], n);
                    }
                });
            }
        });
        return true;
    }

    /** One element (4 or 2 bytes) repeated {@link FloatIO#BLOCK} times in native memory, refilled only when it changes. */
    private static final class RepeatedValue implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final int size;
        private final MemorySegment values;
        private int filled;
        private int bits;

        RepeatedValue(int size) {
            this.size = size;
            values = arena.allocate((long) size * BLOCK, 64);
        }

        /** The buffer holding the element at byte {@code at} of {@code from} in its first n (at most BLOCK) places. */
        MemorySegment of(MemorySegment from, long at, int n) {
            int valueBits = size == 4 ? from.get(ValueLayout.JAVA_INT_UNALIGNED, at) : from.get(ValueLayout.JAVA_SHORT_UNALIGNED, at);
            if (filled == 0 || valueBits != bits) {
                if (size == 4) {
                    values.set(ValueLayout.JAVA_INT, 0, valueBits);
                } else {
                    values.set(ValueLayout.JAVA_SHORT, 0, (short) valueBits);
                }
                filled = 1;
                bits = valueBits;
            }
            // Doubling copies: log2(n) memcpy calls rather than n stores.
            for (; filled < n; filled = Math.min(2 * filled, BLOCK)) {
                MemorySegment.copy(values, 0, values, (long) size * filled, (long) size * Math.min(filled, BLOCK - filled));
            }
            return values;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    public static void where(Where op) {
        map(op.out(), new Operand[] {op.condition(), op.a(), op.b()},
                (in, out, n) -> ELEMENTWISE.select(in[0], in[1], in[2], out, n));
    }
}
