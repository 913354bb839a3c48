package dev.colossus.cpu.matmul;

import dev.colossus.cpu.elementwise.CpuElementwise;
import dev.colossus.cpu.elementwise.ElementwiseKernels;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.cpu.settings.CpuSettings;
import dev.colossus.cpu.simd.FloatIO;
import dev.colossus.cpu.simd.RowKernels;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.A;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.ADDEND;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.B;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.PART;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.ROW;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.SUMS;
import static dev.colossus.cpu.matmul.PackingBuffers.Kind.TILE;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.op.Copy;
import dev.colossus.op.MatMul;
import dev.colossus.op.UnaryFn;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * {@code C[..., m, n] = sum_k A[..., m, k] * B[..., k, n]}; {@code (..., M, K) x (..., K, N) -> (..., M, N)}
 * for F32, F16 and BF16 operands, accumulated in F32, with the epilogue {@code alpha} and
 * {@code beta * addend} fused (see {@link MatMul}), and the activation applied in one pass over each
 * product.
 *
 * <p>A packed GEMM in the BLIS style (the loop nest is at {@link #multiply}): operands are read
 * through any strides and converted to F32 while they are packed, so transposed views and 16-bit
 * inputs cost nothing extra; the {@link MicroKernel} computes each MR x NR tile into a buffer that
 * its store adds into C, edges included. A constant F32 weight is packed once and its panels kept
 * ({@link PackedWeight}). Decode shapes (one row, or a few) skip packing and stream
 * B once: row by row where B's rows are contiguous, as a dot product per output where its columns
 * are (a linear layer's weight, {@code x wᵀ}). Batches run one after another with all threads each,
 * or, when each product is small, one per task.
 */
public final class CpuMatMul {
    private static final ElementwiseKernels ELEMENTWISE = ElementwiseKernels.instance();
    private static final RowProducts PRODUCTS = RowProducts.instance();
    private static final RowKernels ROWS = RowKernels.instance();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final MicroKernel KERNEL = MicroKernel.instance();
    public static final GemmBlocking BLOCKING = GemmBlocking.forKernel(KERNEL);

    /** The most heap the forms derived from constant weights hold together ({@code colossus.cpu.packedWeightBytes}). */
    private static final long PACKED_WEIGHT_BYTES = CpuSettings.current().packedWeightBytes();

    /** Below this many multiply-adds per product, a batch runs one product per task. */
    private static final long SMALL_PRODUCT = 1 << 21;

    /**
     * Multiply-adds a thread must have before a product is split across threads. Splitting costs
     * little: workers poll for a microsecond-scale handoff for a while after each job, and the caller
     * runs any task no worker has claimed yet, so a worker that is slow to wake costs no more than
     * running on one thread; small products gained from this grain over 4M (measured: {@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    private static final long PARALLEL_GRAIN = 1 << 17;

    /** Outputs a thread must activate, or narrow to a 16-bit dtype, before that pass is split across threads. */
    private static final long ACTIVATION_GRAIN = 1 << 16;

    /**
     * Elements of B a thread must stream before a decode-shaped product is split across threads: 2^18,
     * 512 KB of BF16 (at 2^20 a Llama 1B step's 512 x 2048 key and value projections ran on one
     * thread: 6.9 ms of the step, 3.2 on two).
     */
    private static final long SKINNY_GRAIN = 1 << 18;

    /** Decode-shaped products split their columns at multiples of this (of every vector length's 4 vectors). */
    private static final int SKINNY_COLUMNS = 256;

    /** Columns of B that lie along k are packed this many at a time. */
    private static final int COLUMN_GROUP = 8;

    /** Most rows of A that take a dot product per output against F32 columns of B contiguous along k. */
    private static final int DOT_ROWS = 16;

    /**
     * Most rows of A that take a dot product per output against BF16 columns of B contiguous along k:
     * the packed path widens all of B for every product, and Llama 1B's (V, 2048) output weight ran
     * 1.5-2x as fast with dot products from 24 to 64 rows, 1.1x at 128 and alike at 256 (Zen 4, two
     * threads: 64 rows 181 ms against 267). For F32 the packed path was as fast or faster past 16.
     */
    private static final int BF16_DOT_ROWS = 64;

    /** Columns of B each call of the dot-product kernel takes: 16 x 4096 F32 is 256 KiB, in L2. */
    private static final int DOT_COLUMNS = 16;

    private CpuMatMul() {
    }

    /**
     * One product {@code C = alpha A B + beta D}: element (m, k) of A at element
     * {@code a0 + m * am + k * ak} of operand {@code a}, likewise B and the addend D ({@code d}, or
     * null for none), and C row-major F32 at byte {@code c0} of {@code c}, {@code ldc} elements per row.
     * The epilogue is fused: alpha scales A as it is packed, and beta D is the value C starts from.
     * Where every row of D is the same (a linear layer's bias, stride 0 along m) or there is one,
     * {@code dRow} holds {@code beta D[0, :]} as F32, read once a product and added as each tile is
     * stored; it is null otherwise.
     */
    private record Product(Operand a, long a0, long am, long ak, Operand b, long b0, long bk, long bn,
            long m, long n, long k, MemorySegment c, long c0, long ldc, float alpha, Operand d, long d0, long dm,
            long dn, float beta, float[] dRow) {

        /** {@code dst[dstOff + j] += beta * D[i, j0 + j]} for {@code j < cols}; nothing without an addend. */
        void addTo(long i, long j0, int cols, float[] dst, int dstOff) {
            if (dRow != null) {
                ROWS.addInto(dRow, (int) j0, dst, dstOff, cols);
                return;
            }
            if (d == null) {
                return;
            }
            float[] row = PackingBuffers.floats(ADDEND, cols);
            FloatIO.load(d, d0 + i * dm + j0 * dn, dn, row, 0, cols);
            ROWS.axpy(beta, row, 0, dst, dstOff, cols);
        }

        /** {@code beta D[0, :]} where D has one row or the same row throughout, else null. */
        static float[] sharedRow(Operand d, long d0, long dm, long dn, long m, long n, float beta) {
            if (d == null || dm != 0 && m != 1) {
                return null;
            }
            float[] row = new float[Math.toIntExact(n)];
            FloatIO.load(d, d0, dn, row, 0, row.length);
            if (beta != 1) {
                ROWS.scale(row, 0, row.length, beta);
            }
            return row;
        }
    }

    public static void matmul(MatMul op) {
        try (PackingBuffers.Lease lease = PackingBuffers.lease()) {
            multiplyBatches(op);
        }
    }

    private static void multiplyBatches(MatMul op) {
        Operand a = op.a(), b = op.b(), out = op.out(), d = op.addend();
        int r = out.rank();
        long m = out.dim(r - 2), n = out.dim(r - 1), k = a.dim(r - 1);
        if (m == 0 || n == 0) {
            return;
        }
        long batches = out.numel() / (m * n);
        boolean direct = out.dtype() == DType.F32;
        long[] as = a.strides(), bs = b.strides();
        BatchOffsets aBatch = new BatchOffsets(a), bBatch = new BatchOffsets(b), outBatch = new BatchOffsets(out);
        BatchOffsets dBatch = d == null ? null : new BatchOffsets(d);
        long dm = d == null ? 0 : d.strides()[r - 2], dn = d == null ? 0 : d.strides()[r - 1];
        boolean perTask = batches > 1 && m * n * k <= SMALL_PRODUCT;
        int tasks = perTask ? CpuParallel.tasksFor(batches, 1) : 1;
        CpuParallel.forEach(tasks, task -> {
            long from = batches * task / tasks;
            long to = batches * (task + 1) / tasks;
            // a product into BF16 or F16 is computed in F32 native memory, then cast into out
            HostStorage scratch = direct ? null : HostStorage.allocate(4 * m * n);
            try {
                for (long batch = from; batch < to; batch++) {
                    long o0 = outBatch.offset(batch);
                    MemorySegment c = direct ? out.segment() : scratch.segment();
                    long c0 = direct ? o0 * 4 : 0;
                    long d0 = d == null ? 0 : dBatch.offset(batch);
                    float beta = (float) op.beta();
                    Product p = new Product(a, aBatch.offset(batch), as[r - 2], as[r - 1],
                            b, bBatch.offset(batch), bs[r - 2], bs[r - 1], m, n, k, c, c0, n,
                            (float) op.alpha(), d, d0, dm, dn, beta, Product.sharedRow(d, d0, dm, dn, m, n, beta));
                    multiply(p, op.activation(), !perTask);
                    if (!direct) {
                        CpuElementwise.cast(new Copy(Operand.contiguous(scratch, DType.F32, Shape.of(m * n)),
                                out.withLayout(Shape.of(m * n), new long[] {1}, o0)));
                    }
                }
            } finally {
                if (scratch != null) {
                    scratch.release();
                }
            }
        });
    }

    /** {@link #activate(UnaryFn, Product, long, long, long, long)} over the whole product, its rows split across the threads when {@code parallel}. */
    private static void activate(UnaryFn act, Product p, boolean parallel) {
        if (act == null) {
            return;
        }
        int tasks = parallel ? CpuParallel.tasksFor(p.m() * p.n(), ACTIVATION_GRAIN) : 1;
        CpuParallel.forEach(tasks, t -> activate(act, p, p.m() * t / tasks, p.m() * (t + 1) / tasks, 0, p.n()));
    }

    /**
     * {@code C[i, j] = act(C[i, j])} for rows {@code [rowFrom, rowTo)} and columns {@code [columnFrom,
     * columnTo)} of the product just written, on the calling thread: inside the op, before F16/BF16 are
     * rounded, and where the product was computed a rectangle a thread, by the thread that computed
     * it, while its rectangle is in its cache. A {@linkplain ElementwiseKernels#isDirect direct} function
     * goes between two rows of native memory, a row copied in and its result back: GELU through float
     * arrays (one loop past C2's node limit) ran at a tenth of the rate, and the direct kernel writing
     * into an array's segment at a thirtieth (issue 22).
     */
    private static void activate(UnaryFn act, Product p, long rowFrom, long rowTo, long columnFrom, long columnTo) {
        if (act == null || rowFrom >= rowTo) {
            return;
        }
        int n = Math.toIntExact(columnTo - columnFrom);
        MemorySegment c = p.c();
        boolean direct = ElementwiseKernels.isDirect(act, DType.F32);
        try (Arena rows = Arena.ofConfined()) {
            MemorySegment in = direct ? rows.allocate(4L * n, 64) : null, out = direct ? rows.allocate(4L * n, 64) : null;
            float[] row = direct ? null : PackingBuffers.floats(ROW, n);
            for (long i = rowFrom; i < rowTo; i++) {
                long at = p.c0() + (i * p.ldc() + columnFrom) * 4;
                if (direct) {
                    MemorySegment.copy(c, at, in, 0, 4L * n);
                    ELEMENTWISE.directUnary(act, DType.F32, in, 0, out, 0, n);
                    MemorySegment.copy(out, 0, c, at, 4L * n);
                } else {
                    MemorySegment.copy(c, F32, at, row, 0, n);
                    ELEMENTWISE.unary(act, row, row, n);
                    MemorySegment.copy(row, 0, c, F32, at, n);
                }
            }
        }
    }

    /** Element offsets of each batch's matrix, for the batch dimensions of an operand (all but the last two). */
    private static final class BatchOffsets {
        private final long[] dims;
        private final long[] strides;
        private final long base;

        BatchOffsets(Operand x) {
            int batchRank = x.rank() - 2;
            dims = x.shape().prefix(batchRank).dims();
            strides = Arrays.copyOf(x.strides(), batchRank);
            base = x.offset();
        }

        long offset(long batch) {
            long offset = base;
            for (int d = dims.length - 1; d >= 0; d--) {
                offset += (batch % dims[d]) * strides[d];
                batch /= dims[d];
            }
            return offset;
        }
    }

    /*
     * Each thread takes one rectangle of C, a grid of whole tiles (RectangleGrid), and runs the loop
     * nest on it alone, packing the A rows and B columns it needs into its own buffers:
     *
     *   for ib in its rows by MB:               packed A block: MB x KC, private
     *     for pc in K by KC:                    pack its A rows
     *       for jb in its columns by NC:        packed B block: KC x NC, private (L2)
     *         for ir in MB by MR, jr in NC by NR: micro-kernel on the (MR x NR) tile of C
     *
     * So the threads meet once a product. Sharing one packed A block between them, packed in parallel,
     * cost a join per KC step and had each core read half its A panels from the other's cache: at
     * 1024^3 on two cores each thread ran its tiles at 0.85 of one thread's rate.
     */
    /** The product, then the activation {@code act} (null for none) over it. */
    private static void multiply(Product p, UnaryFn act, boolean parallel) {
        if (p.k() == 0) {
            float[] row = new float[Math.toIntExact(p.n())];
            for (long i = 0; i < p.m(); i++) {
                Arrays.fill(row, 0f);
                p.addTo(i, 0, row.length, row, 0);
                MemorySegment.copy(row, 0, p.c(), F32, p.c0() + i * p.ldc() * 4, row.length);
            }
            activate(act, p, parallel);
            return;
        }
        if (skinny(p)) {
            unpacked(p, parallel);
            activate(act, p, parallel);
            return;
        }
        PackedWeight packed = packedWeight(p);
        if (packed == null && dotted(p)) {
            dots(p, parallel);
            activate(act, p, parallel);
            return;
        }
        int mr = KERNEL.mr(), nr = KERNEL.nr();
        long work = p.m() * p.n() * p.k();
        int threads = parallel ? (int) Math.max(1, Math.min(CpuParallel.THREADS, work / PARALLEL_GRAIN)) : 1;
        RectangleGrid grid = RectangleGrid.best(threads, p.m(), p.n(), mr, nr);
        CpuParallel.forEach(grid.count(), t -> {
            long[] r = grid.rectangle(t, p.m(), p.n(), mr, nr);
            rectangle(p, r[0], r[1], r[2], r[3], packed);
            activate(act, p, r[0], r[1], r[2], r[3]);
        });
    }

    /**
     * B's panels packed once, where B is a constant F32 weight ({@link PackedWeight}); null otherwise,
     * when the budget is spent, or for one row against an (out, in) weight, which {@link #dots} reads
     * in place as fast (MiniLM's six layers of linears, the weights cycled through 212 MB, two threads:
     * 1.54-1.66 ms with the panels at one row, 1.64-1.71 with dots; at four rows 1.44-2.70 against
     * 2.34-2.40, at sixteen 2.11-2.17 against 4.12-4.46).
     */
    private static PackedWeight packedWeight(Product p) {
        if (p.b().dtype() != DType.F32 || !(p.b().storage() instanceof HostStorage weight) || !weight.isConstant()
                || dotted(p) && p.m() == 1) {
            return null;
        }
        int kcMax = BLOCKING.kc(), nr = KERNEL.nr();
        PackedWeight.PanelPacker packer = (pc, kc, depth, j0, cols, dst, at) -> packB(p, pc, kc, depth, j0, cols, dst, at);
        return weight.derived(new PackedWeight.Key(p.b0(), p.bk(), p.bn(), p.k(), p.n()),
                () -> PackedWeight.pack(p.k(), p.n(), kcMax, nr, PACKED_WEIGHT_BYTES, packer));
    }

    /**
     * C's rows {@code [rowFrom, rowTo)} and columns {@code [columnFrom, columnTo)} on the calling
     * thread, B's panels from {@code packed} (null: packed here).
     */
    private static void rectangle(Product p, long rowFrom, long rowTo, long columnFrom, long columnTo, PackedWeight packed) {
        int mr = KERNEL.mr();
        int kcMax = BLOCKING.kc(), mbMax = BLOCKING.mb();
        for (long ib = rowFrom; ib < rowTo; ib += mbMax) {
            int mb = (int) Math.min(mbMax, rowTo - ib);
            int rowPanels = (mb + mr - 1) / mr;
            for (long pc = 0; pc < p.k(); pc += kcMax) {
                int kc = (int) Math.min(kcMax, p.k() - pc);
                int depth = (kc + 1) & ~1;
                float[] packedA = PackingBuffers.floats(A, rowPanels * mr * depth);
                for (int panel = 0; panel < rowPanels; panel++) {
                    packA(p, ib + (long) panel * mr, Math.min(mr, mb - panel * mr), pc, kc, depth, packedA, panel * mr * depth);
                }
                block(p, packedA, ib, mb, pc, kc, depth, columnFrom, columnTo, pc > 0, packed);
            }
        }
    }

    /**
     * Whether the product is decode-shaped enough to skip packing: B's columns contiguous, and one
     * row of F32 or BF16, or up to {@link MicroKernel#skinnyRows()} of F32 (the kernel's several-row
     * form reads BF16 slowly, and small square products run faster packed: {@code benchmarks/results/cpu/README.md}, "Why the kernels are shaped so").
     */
    private static boolean skinny(Product p) {
        boolean f32 = p.b().dtype() == DType.F32, bf16 = p.b().dtype() == DType.BF16;
        return p.bn() == 1 && KERNEL.skinnyRows() > 0 && (p.m() == 1 && (f32 || bf16) || p.m() <= KERNEL.skinnyRows() && f32);
    }

    /**
     * Whether the product is a few rows against columns of B that each lie contiguous along k ({@code
     * x wᵀ}, a linear layer's weight w, F32, F16 or BF16): up to {@link #DOT_ROWS} rows of F32 or
     * F16 and {@link #BF16_DOT_ROWS} of BF16, where a dot product per output reads w once (packing
     * would transpose all of w for a few rows).
     */
    private static boolean dotted(Product p) {
        DType dtype = p.b().dtype();
        boolean f32 = dtype == DType.F32 || dtype == DType.F16; // F16 against several rows is widened to F32 for the kernel
        return p.bk() == 1 && (f32 && p.m() <= DOT_ROWS || dtype == DType.BF16 && p.m() <= BF16_DOT_ROWS);
    }

    /*
     * C[i, j] = a_i . w_j, w_j = column j of B read where it lies (F16 columns against several rows
     * widened to F32 first, DOT_COLUMNS at a time: the kernel's several-row forms read F32 and BF16):
     * the threads split the columns, and each takes them DOT_COLUMNS at a time, so the rows of a pass
     * over those columns while they are in L2.
     */
    private static void dots(Product p, boolean parallel) {
        int k = Math.toIntExact(p.k());
        int rows = (int) p.m();
        DType dtype = p.b().dtype();
        long size = dtype.byteSize();
        // one BF16 row of A against BF16 columns: A as its words, half the F32 row's footprint, each thread its own
        boolean words = rows == 1 && dtype == DType.BF16 && p.a().dtype() == DType.BF16 && p.alpha() == 1;
        ColumnBlocks blocks = words ? columnBlocks(p, k) : null;
        float[] a = words ? null : PackingBuffers.floats(A, rows * k);
        for (int i = 0; !words && i < rows; i++) {
            FloatIO.load(p.a(), p.a0() + i * p.am(), p.ak(), a, i * k, k);
            if (dtype == DType.BF16 || dtype == DType.F16 && rows == 1) { // several rows against F16 take F32, in natural order
                PRODUCTS.toPairOrder(a, i * k, k);
            }
        }
        if (p.alpha() != 1) {
            ROWS.scale(a, 0, rows * k, p.alpha());
        }
        int tasks = parallel ? (int) Math.max(1, Math.min(CpuParallel.THREADS, p.m() * p.n() * p.k() / SKINNY_GRAIN)) : 1;
        CpuParallel.forEach(tasks, t -> {
            if (dtype == DType.F16 && rows > 1) {
                dotsOfWidened(p, a, k, p.n() * t / tasks, p.n() * (t + 1) / tasks);
                return;
            }
            long from = p.n() * t / tasks, to = p.n() * (t + 1) / tasks;
            float[] out = PackingBuffers.floats(TILE, rows * DOT_COLUMNS);
            float[] row = PackingBuffers.floats(ROW, DOT_COLUMNS);
            int[] x = words ? PackingBuffers.ints(A, (k + 1) / 2) : null;
            if (words) {
                RowProducts.loadWords(p.a().segment(), p.a0() * size, p.ak() * size, k, x);
            }
            float[] sums = blocks == null ? null : PackingBuffers.floats(SUMS, (int) (to - from));
            if (blocks != null) {
                blocks.dots(x, from, (int) (to - from), sums, PackingBuffers.floats(PART, (int) (to - from)));
            }
            for (long j = from; j < to; j += DOT_COLUMNS) {
                int columns = (int) Math.min(DOT_COLUMNS, to - j);
                if (blocks != null) {
                    System.arraycopy(sums, (int) (j - from), out, 0, columns);
                } else if (words) {
                    PRODUCTS.bf16Dots(x, 0, k, p.b().segment(), (p.b0() + j * p.bn()) * size, p.bn() * size, columns, out);
                } else {
                    PRODUCTS.weightDots(a, rows, k, p.b().segment(), (p.b0() + j * p.bn()) * size, p.bn() * size, dtype, columns, out);
                }
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(out, i * columns, row, 0, columns);
                    p.addTo(i, j, columns, row, 0);
                    MemorySegment.copy(row, 0, p.c(), F32, p.c0() + (i * p.ldc() + j) * 4, columns);
                }
            }
        });
    }

    /**
     * {@link #dots} for columns {@code [from, to)} of F16 B against several rows of A: each DOT_COLUMNS
     * of them widened into a native F32 block (through a float row, where C2 vectorises the
     * conversion; {@link FloatIO}), then the F32 kernel over the block while it is in L2. {@code
     * MatMulBench}'s {@code colossus-f16} (Zen 4, two threads, 3 forks): 16 x 4096 x 11008t 13.0 and
     * 14.8 ms, and 23.6 in a fork where C2 compiled the kernel slower, against 20.8-22.0 packed. The
     * widening takes about 40% of the time (JFR).
     */
    private static void dotsOfWidened(Product p, float[] a, int k, long from, long to) {
        int rows = (int) p.m();
        float[] out = PackingBuffers.floats(TILE, rows * DOT_COLUMNS);
        float[] row = PackingBuffers.floats(ROW, Math.max(k, DOT_COLUMNS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment widened = arena.allocate(4L * DOT_COLUMNS * k, 64);
            for (long j = from; j < to; j += DOT_COLUMNS) {
                int columns = (int) Math.min(DOT_COLUMNS, to - j);
                for (int c = 0; c < columns; c++) {
                    FloatIO.load(p.b(), p.b0() + (j + c) * p.bn(), 1, row, 0, k);
                    MemorySegment.copy(row, 0, widened, F32, 4L * c * k, k);
                }
                PRODUCTS.weightDots(a, rows, k, widened, 0, 4L * k, DType.F32, columns, out);
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(out, i * columns, row, 0, columns);
                    p.addTo(i, j, columns, row, 0);
                    MemorySegment.copy(row, 0, p.c(), F32, p.c0() + (i * p.ldc() + j) * 4, columns);
                }
            }
        }
    }

    /**
     * B's columns in blocks laid out once ({@link ColumnBlocks}), where B is a constant BF16 weight
     * whose columns (the weight's rows) are longer than a block; null otherwise, or when the budget
     * is spent.
     */
    private static ColumnBlocks columnBlocks(Product p, int k) {
        if (k <= ColumnBlocks.WIDTH || !(p.b().storage() instanceof HostStorage weight) || !weight.isConstant()) {
            return null;
        }
        return weight.derived(new ColumnBlocks.Key(p.b0(), p.bn(), p.n(), k),
                () -> ColumnBlocks.lay(p.b().segment(), p.b0() * 2, p.bn() * 2, p.n(), k, PACKED_WEIGHT_BYTES));
    }

    /*
     * The decode shape: no packing, B read once from where it lies, the threads splitting its columns.
     */
    private static void unpacked(Product p, boolean parallel) {
        int k = Math.toIntExact(p.k());
        int rows = (int) p.m();
        float[] a = PackingBuffers.floats(A, KERNEL.skinnyRows() * k);
        Arrays.fill(a, 0, KERNEL.skinnyRows() * k, 0f);
        for (int i = 0; i < rows; i++) {
            FloatIO.load(p.a(), p.a0() + i * p.am(), p.ak(), a, i * k, k);
        }
        if (p.alpha() != 1) {
            ROWS.scale(a, 0, rows * k, p.alpha());
        }
        boolean bf16 = p.b().dtype() == DType.BF16;
        long size = p.b().dtype().byteSize();
        long chunks = (p.n() + SKINNY_COLUMNS - 1) / SKINNY_COLUMNS;
        int tasks = parallel ? (int) Math.max(1, Math.min(Math.min(CpuParallel.THREADS, chunks), p.n() * p.k() / SKINNY_GRAIN)) : 1;
        CpuParallel.forEach(tasks, t -> {
            long from = Math.min(p.n(), chunks * t / tasks * SKINNY_COLUMNS);
            long to = Math.min(p.n(), chunks * (t + 1) / tasks * SKINNY_COLUMNS);
            KERNEL.multiplyRows(rows, k, (int) (to - from), a, p.b().segment(), (p.b0() + from) * size, p.bk() * size, bf16,
                    p.c(), p.c0() + from * 4, p.ldc());
            if (p.d() != null) {
                float[] row = PackingBuffers.floats(ROW, (int) (to - from));
                for (int i = 0; i < rows; i++) {
                    long at = p.c0() + (i * p.ldc() + from) * 4;
                    MemorySegment.copy(p.c(), F32, at, row, 0, (int) (to - from));
                    p.addTo(i, from, (int) (to - from), row, 0);
                    MemorySegment.copy(row, 0, p.c(), F32, at, (int) (to - from));
                }
            }
        });
    }

    /**
     * Columns {@code [from, to)} against the packed A block (rows {@code [ib, ib + mb)}), one B block at a time, the blocks as even as whole panels allow: a last block of one panel would
     * stream every A panel from L3 for a single tile. B's panels are packed here, or taken from
     * {@code packed} where the weight was packed once.
     */
    private static void block(Product p, float[] packedA, long ib, int mb, long pc, int kc, int depth, long from, long to,
            boolean accumulate, PackedWeight packed) {
        int nr = KERNEL.nr();
        long columnPanels = (to - from + nr - 1) / nr, blocks = (columnPanels * nr + BLOCKING.nc() - 1) / BLOCKING.nc();
        for (long block = 0; block < blocks; block++) {
            long jb = from + columnPanels * block / blocks * nr;
            int nc = (int) (Math.min(to, from + columnPanels * (block + 1) / blocks * nr) - jb);
            if (packed != null) {
                tiles(p, packedA, ib, mb, packed.panels(), packed.offset(pc, jb, depth), jb, nc, depth, accumulate);
                continue;
            }
            int panels = (nc + nr - 1) / nr;
            float[] packedB = PackingBuffers.floats(B, panels * depth * nr);
            for (int panel = 0; panel < panels; panel++) {
                packB(p, pc, kc, depth, jb + (long) panel * nr, Math.min(nr, nc - panel * nr), packedB, panel * depth * nr);
            }
            tiles(p, packedA, ib, mb, packedB, 0, jb, nc, depth, accumulate);
        }
    }

    /**
     * The micro-kernel over every A panel of the block (rows from {@code ib}) and every panel of the B
     * block at column {@code jb}, its panels from {@code packedB[bOff]}.
     */
    private static void tiles(Product p, float[] packedA, long ib, int mb, float[] packedB, int bOff, long jb, int nc, int depth,
            boolean accumulate) {
        int mr = KERNEL.mr(), nr = KERNEL.nr();
        float[] tile = PackingBuffers.floats(TILE, mr * nr);
        for (int ir = 0; ir < mb; ir += mr) {
            int rows = Math.min(mr, mb - ir);
            for (int jr = 0, panel = 0; jr < nc; jr += nr, panel++) {
                long cOff = p.c0() + ((ib + ir) * p.ldc() + jb + jr) * 4;
                KERNEL.multiply(depth, packedA, ir * depth, packedB, bOff + panel * depth * nr, tile);
                int cols = Math.min(nr, nc - jr);
                if (!accumulate && p.dRow() == null) {
                    for (int i = 0; i < rows; i++) {
                        p.addTo(ib + ir + i, jb + jr, cols, tile, i * nr);
                    }
                }
                KERNEL.store(tile, rows, cols, accumulate ? null : p.dRow(), (int) (jb + jr), p.c(), cOff, p.ldc(), accumulate);
            }
        }
    }

    /**
     * Packs {@code rows} rows from {@code i0} and k {@code [pc, pc + kc)} of A as one MR-high panel,
     * {@code dst[dstOff + k * MR + i]}; rows beyond {@code rows} and steps beyond {@code kc} (up to
     * {@code depth}) are zero.
     */
    private static void packA(Product p, long i0, int rows, long pc, int kc, int depth, float[] dst, int dstOff) {
        int mr = KERNEL.mr();
        if (rows < mr || depth > kc) {
            Arrays.fill(dst, dstOff, dstOff + mr * depth, 0f);
        }
        if (p.ak() == 1) {
            float[] panelRows = PackingBuffers.floats(ROW, mr * kc);
            for (int i = 0; i < rows; i++) {
                FloatIO.load(p.a(), p.a0() + (i0 + i) * p.am() + pc, 1, panelRows, i * kc, kc);
            }
            Arrays.fill(panelRows, rows * kc, mr * kc, 0f);
            KERNEL.interleave(panelRows, 0, kc, mr, kc, dst, dstOff, mr);
        } else {
            for (int k = 0; k < kc; k++) {
                FloatIO.load(p.a(), p.a0() + i0 * p.am() + (pc + k) * p.ak(), p.am(), dst, dstOff + k * mr, rows);
            }
        }
        if (p.alpha() != 1) {
            ROWS.scale(dst, dstOff, mr * depth, p.alpha());
        }
    }

    /**
     * Packs k {@code [pc, pc + kc)} of columns {@code [j0, j0 + cols)} of B as one NR-wide panel,
     * {@code dst[dstOff + k * NR + j]}; columns beyond {@code cols} and steps beyond {@code kc} are zero.
     */
    private static void packB(Product p, long pc, int kc, int depth, long j0, int cols, float[] dst, int dstOff) {
        int nr = KERNEL.nr();
        if (cols < nr || depth > kc) {
            Arrays.fill(dst, dstOff, dstOff + nr * depth, 0f);
        }
        if (p.bk() == 1 && p.bn() != 1) {
            float[] columns = PackingBuffers.floats(ROW, COLUMN_GROUP * kc);
            for (int j = 0; j < cols; j += COLUMN_GROUP) {
                int count = Math.min(COLUMN_GROUP, cols - j), group = Math.min(COLUMN_GROUP, nr - j);
                for (int c = 0; c < count; c++) {
                    FloatIO.load(p.b(), p.b0() + pc + (j0 + j + c) * p.bn(), 1, columns, c * kc, kc);
                }
                Arrays.fill(columns, count * kc, group * kc, 0f);
                KERNEL.interleave(columns, 0, kc, group, kc, dst, dstOff + j, nr);
            }
        } else if (p.bn() == 1 && cols == nr && (p.b().dtype() == DType.F32 || p.b().dtype() == DType.BF16)) {
            long size = p.b().dtype().byteSize();
            KERNEL.packB(p.b().segment(), (p.b0() + pc * p.bk() + j0) * size, p.bk() * size, p.b().dtype() == DType.BF16, kc,
                    dst, dstOff);
        } else {
            for (int k = 0; k < kc; k++) {
                FloatIO.load(p.b(), p.b0() + (pc + k) * p.bk() + j0 * p.bn(), p.bn(), dst, dstOff + k * nr, cols);
            }
        }
    }
}
