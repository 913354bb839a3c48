package dev.colossus.cuda;

import static dev.colossus.cuda.DeviceStorage.address;
import static dev.colossus.cuda.KernelSpec.Param.ADDRESS;
import static dev.colossus.cuda.KernelSpec.Param.F32;
import static dev.colossus.cuda.KernelSpec.Param.I32;
import static dev.colossus.cuda.KernelSpec.Param.I64;
import static dev.colossus.cuda.KernelSpec.Param.TENSOR_MAP;

import dev.colossus.DType;
import dev.colossus.op.Attention;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * Scaled-dot-product attention in one kernel, {@code src/main/cuda/attention/attention.cu}:
 * FlashAttention-2 on mma.sync for F16 and BF16 with head dimension 64 or 128; q (B,Hq,Lq,D),
 * k and v (B,Hkv,Lk,D), out (B,Hq,Lq,D), each with unit stride along D and rows 16-byte aligned.
 * Causal, boolean or additive masks (any strides) and grouped-query heads are handled in the kernel,
 * which also writes the log-sum-exps where asked for (by each kernel, or by the merge of key splits)
 * and takes its exponentials on a flushing ex2.
 *
 * <p>A block takes 64 rows of one (batch, key/value head): the group's query heads side by side, so a
 * decode step with a single query still fills a block's rows and reads each K/V tile once per group.
 * When those blocks would leave the GPU under-filled (decode, short prefill), the keys are split
 * across blocks (flash-decoding) and a second kernel merges the partial softmax states.
 *
 * <p>On Hopper, head dimension 128 without a mask goes to {@code attention_sm90a.cu} (TMA and
 * warpgroup MMA, a producer warpgroup and two consumers) where its blocks of 128 queries fill the GPU;
 * {@code -Dcolossus.cuda.attentionKernel=wgmma|mma|auto} forces one kernel or the other (see
 * {@link #onHopper}).
 */
final class FusedAttention {
    private static final int ROWS = 64, KEYS = 64, THREADS = 128;
    /**
     * The Hopper kernel's block: 128 queries against blocks of 128 keys, a producer warpgroup and two
     * consumers; Q and two stages of K and V (32 KB each), 9 barriers, 1 KB of alignment.
     */
    private static final int HOPPER_ROWS = 128, HOPPER_THREADS = 384, HOPPER_SHARED_BYTES = 5 * 32768 + 9 * 8 + 1024;
    private static final int MAX_GRID_Y = 65535;
    private static final String[] TYPES = {"bf16", "f16"};
    static final List<KernelSpec> SPECS = specs();

    private FusedAttention() {
    }

    /**
     * The mma.sync kernel for head dimension d: B, Hq, Hkv, Lq, Lk; q, k and v (address,
     * batch, head and row strides); the mask (address, dtype, four strides); causal, scale, keys per
     * split; out; the partial outputs and log-sum-exps of the key splits; the log-sum-exps (address,
     * three strides).
     */
    private static KernelSpec mma(String type, int d) {
        return KernelSpec.of("attention", "attention_" + type + "_d" + d, THREADS, (ROWS + 4 * KEYS) * d * 2,
                I32, I32, I32, I32, I32, ADDRESS, I64, I64, I64, ADDRESS, I64, I64, I64, ADDRESS, I64, I64, I64,
                ADDRESS, I32, I64, I64, I64, I64, I32, F32, I32, ADDRESS, I64, I64, I64, ADDRESS, ADDRESS, ADDRESS, I64, I64, I64);
    }

    /** The merge of the key splits, a block of d threads a row: Hq, Lq, d, splits, rows, the partial states, out, the log-sum-exps. */
    private static KernelSpec merge(String type) {
        return KernelSpec.of("attention", "attention_merge_" + type, 128, 0,
                I32, I32, I32, I32, I64, ADDRESS, ADDRESS, ADDRESS, I64, I64, I64, ADDRESS, I64, I64, I64);
    }

    /**
     * The Hopper kernel: the tensor maps of q, k and v; Hq, Hkv, Lq, Lk, causal, scale; out (address,
     * three strides); the log-sum-exps (address, three strides).
     */
    private static KernelSpec hopper(String type) {
        return KernelSpec.of("attention_sm90a", "attention_" + type + "_d128_sm90a", HOPPER_THREADS, HOPPER_SHARED_BYTES,
                TENSOR_MAP, TENSOR_MAP, TENSOR_MAP, I32, I32, I32, I32, I32, F32, ADDRESS, I64, I64, I64, ADDRESS, I64, I64, I64);
    }

    private static List<KernelSpec> specs() {
        List<KernelSpec> specs = new ArrayList<>();
        for (String type : TYPES) {
            specs.add(mma(type, 64));
            specs.add(mma(type, 128));
            specs.add(merge(type));
            specs.add(hopper(type));
        }
        return List.copyOf(specs);
    }

    /** True when the kernel can compute {@code a} as it is. */
    static boolean accepts(Attention a) {
        DType dtype = a.q().dtype();
        if (dtype != DType.F16 && dtype != DType.BF16 || a.k().dtype() != dtype || a.v().dtype() != dtype
                || a.out().dtype() != dtype) {
            return false;
        }
        long d = a.q().dim(3);
        if (d != 64 && d != 128 || a.v().dim(3) != d) {
            return false;
        }
        if (a.mask() != null && a.mask().dtype() != DType.BOOL && a.mask().dtype() != dtype) {
            return false;
        }
        for (Operand x : new Operand[] {a.q(), a.k(), a.v(), a.out()}) {
            if (!rowsAligned(x)) {
                return false;
            }
        }
        long b = a.q().dim(0), hkv = a.k().dim(1);
        return b * hkv <= MAX_GRID_Y && a.q().dim(1) <= Integer.MAX_VALUE && a.q().dim(2) * a.groupSize() <= Integer.MAX_VALUE
                && a.k().dim(2) <= Integer.MAX_VALUE;
    }

    /** Launches {@code a}, which {@link #accepts}, on {@code context}'s stream. */
    static void run(Attention a, Kernels kernels, CudaContext context) {
        Operand q = a.q(), k = a.k(), v = a.v(), mask = a.mask(), out = a.out();
        int b = (int) q.dim(0), hq = (int) q.dim(1), hkv = (int) k.dim(1), lq = (int) q.dim(2), lk = (int) k.dim(2);
        int d = (int) q.dim(3);
        if (out.numel() == 0) {
            return;
        }
        String type = q.dtype() == DType.BF16 ? "bf16" : "f16";
        if (onHopper(a, context) && runOnHopper(a, kernels, type)) {
            return;
        }
        int rowBlocks = (int) ((a.groupSize() * lq + ROWS - 1) / ROWS);
        long blocks = (long) rowBlocks * b * hkv;
        int splits = splits(blocks, lk, context.multiprocessors);
        int keysPerSplit = Math.max(KEYS, ((lk + splits - 1) / splits + KEYS - 1) / KEYS * KEYS);
        splits = Math.max(1, (lk + keysPerSplit - 1) / keysPerSplit);
        long rows = (long) b * hq * lq;
        Storage workspace = splits > 1 ? DeviceStorage.allocate(context, rows * splits * (d + 1) * Float.BYTES) : null;
        try {
            long partialOut = workspace == null ? 0 : ((DeviceStorage) workspace).address(0);
            long partialLse = partialOut + rows * splits * d * Float.BYTES;
            Kernels.Arguments arguments = new Kernels.Arguments().i32(b).i32(hq).i32(hkv).i32(lq).i32(lk);
            operand(arguments, q);
            operand(arguments, k);
            operand(arguments, v);
            if (mask == null) {
                arguments.address(0).i32(0).i64(0).i64(0).i64(0).i64(0);
            } else {
                long[] s = mask.strides();
                arguments.address(address(mask)).i32(mask.dtype().ordinal())
                        .i64(s[0]).i64(s[1]).i64(s[2]).i64(s[3]);
            }
            arguments.i32(a.causal() ? 1 : 0).f32((float) a.scale()).i32(keysPerSplit);
            operand(arguments, out);
            arguments.address(partialOut).address(partialLse);
            logSumExp(arguments, a);
            kernels.launch(mma(type, d), a.name(), rowBlocks, b * hkv, splits, THREADS, arguments);
            if (splits > 1) {
                long[] s = out.strides();
                Kernels.Arguments merge = new Kernels.Arguments().i32(hq).i32(lq).i32(d).i32(splits).i64(rows)
                        .address(partialOut).address(partialLse)
                        .address(address(out)).i64(s[0]).i64(s[1]).i64(s[2]);
                logSumExp(merge, a);
                kernels.launch(merge(type), a.name(), (int) Math.min(rows, context.multiprocessors * 32L), 1, 1, d, merge);
            }
        } finally {
            if (workspace != null) {
                workspace.release();
            }
        }
    }

    /**
     * Whether {@code a} is for {@code attention_sm90a.cu}: an sm_90 GPU, head dimension 128, no mask,
     * a positive scale (the kernel takes each row's max before scaling), batches and heads within a
     * grid's y and z; and, as {@code -Dcolossus.cuda.attentionKernel} says,
     * {@code auto} (the default): its blocks of 128 queries, one per multiprocessor, at least fill the
     * GPU (elsewhere, decode and short prefill, the mma.sync kernel splits the keys instead); {@code wgmma}:
     * always; {@code mma}: never.
     */
    private static boolean onHopper(Attention a, CudaContext context) {
        CudaOptions.AttentionKernel choice = CudaOptions.routing().attentionKernel();
        Operand q = a.q();
        boolean fits = context.computeMajor == 9 && context.computeMinor == 0 && q.dim(3) == 128 && a.mask() == null
                && a.scale() > 0 && q.dim(1) <= MAX_GRID_Y && q.dim(0) <= MAX_GRID_Y;
        long blocks = (q.dim(2) + HOPPER_ROWS - 1) / HOPPER_ROWS * q.dim(1) * q.dim(0);
        return fits && (choice == CudaOptions.AttentionKernel.WGMMA
                || choice == CudaOptions.AttentionKernel.AUTO && blocks >= context.multiprocessors);
    }

    /**
     * Launches {@code a} on the Hopper kernel: grid (query blocks of 128, Hq, B), q, k and v read through
     * 4-d tensor maps (D, L, H, B). False, launching nothing, where the driver refuses a map.
     */
    private static boolean runOnHopper(Attention a, Kernels kernels, String type) {
        byte[] qMap = map(a.q()), kMap = map(a.k()), vMap = map(a.v());
        if (qMap == null || kMap == null || vMap == null) {
            return false;
        }
        Operand q = a.q(), out = a.out();
        long[] s = out.strides();
        Kernels.Arguments arguments = new Kernels.Arguments().tensorMap(qMap).tensorMap(kMap).tensorMap(vMap)
                .i32((int) q.dim(1)).i32((int) a.k().dim(1)).i32((int) q.dim(2)).i32((int) a.k().dim(2))
                .i32(a.causal() ? 1 : 0).f32((float) a.scale())
                .address(address(out)).i64(s[0]).i64(s[1]).i64(s[2]);
        logSumExp(arguments, a);
        int queryBlocks = (int) ((q.dim(2) + HOPPER_ROWS - 1) / HOPPER_ROWS);
        kernels.launch(hopper(type), a.name(), queryBlocks, (int) q.dim(1), (int) q.dim(0),
                HOPPER_THREADS, arguments);
        return true;
    }

    /** The tensor map of a (B, H, L, 128) operand, boxes of 128 rows (queries or keys) by 64, or null where the driver refuses it. */
    private static byte[] map(Operand x) {
        long[] s = x.strides();
        return TensorMap.tiled(x.dtype(), address(x),
                new long[] {x.dim(3), x.dim(2), x.dim(1), x.dim(0)}, new long[] {s[2], s[1], s[0]},
                new int[] {TensorMap.BOX_K, HOPPER_ROWS, 1, 1});
    }

    /**
     * Key splits for {@code blocks} blocks of work over {@code lk} keys: enough for about four blocks
     * per multiprocessor, each split keeping at least 256 keys.
     */
    private static int splits(long blocks, int lk, int multiprocessors) {
        long wanted = (4L * multiprocessors + blocks - 1) / blocks;
        return (int) Math.max(1, Math.min(wanted, lk / 256));
    }

    /** Where the kernels write the log-sum-exps (F32, (B, Hq, Lq)) and their strides, or a null address and zeros. */
    private static void logSumExp(Kernels.Arguments arguments, Attention a) {
        Operand lse = a.logSumExp();
        if (lse == null) {
            arguments.address(0).i64(0).i64(0).i64(0);
        } else {
            long[] s = lse.strides();
            arguments.address(address(lse)).i64(s[0]).i64(s[1]).i64(s[2]);
        }
    }

    /** The address of x's first element, then its batch, head and row strides (D's is 1). */
    private static void operand(Kernels.Arguments arguments, Operand x) {
        long[] s = x.strides();
        arguments.address(address(x)).i64(s[0]).i64(s[1]).i64(s[2]);
    }

    /** Unit stride along D, the other strides and the start at 16-byte multiples (8 elements). */
    private static boolean rowsAligned(Operand x) {
        long[] s = x.strides();
        return s[3] == 1 && s[0] % 8 == 0 && s[1] % 8 == 0 && s[2] % 8 == 0
                && (address(x)) % 16 == 0;
    }

}
