package dev.colossus.bench;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.ScaledTensor;
import dev.colossus.Scope;
import dev.colossus.Shape;
import dev.colossus.Tensor;
import dev.colossus.bench.model.Llama;
import dev.colossus.bench.model.MiniLm;
import dev.colossus.io.SafeTensors;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.UnaryFn;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * The CUDA backend's numbers for the GPU check (cuda-backend/gpu-check.sh), one CSV line each,
 * {@code colossus,case,seconds,rate,unit}, for the script to set beside PyTorch's from the same call:
 * <ul>
 *   <li>gemm: cuBLAS and the custom Tensor Core kernels (see {@link #gemmVariants}), BF16 at 2048,
 *       4096, 8192 and two odd shapes (4096x4096x1000, 1x8192x8192), F16 at 8192, and BF16 with b
 *       K-major ({@code _tn}) at 4096 and 8192; F32 with TF32 off at 8192 on cuBLAS;</li>
 *   <li>linear: {@code gelu(x W^T + b)} (erf and tanh) as cuBLAS's product (F32 out) then one pass of
 *       the epilogue kernel, fused in one launch of the custom kernel ({@code _custom}), and with the
 *       unvalidated kernels in cuBLASLt's epilogue ({@code _lt}; tanh only, cuBLASLt has no erf GELU);
 *       {@code x W^T + b} the same ways, also for 1, 64 and 1024 tokens;</li>
 *   <li>fp8: the 8-bit float product on cuBLASLt (see {@link #fp8}), E4M3 into BF16, at 8192³ and
 *       linear's shapes;</li>
 *   <li>attention: the fused kernel (on an H100 or H200 the Hopper kernel, and {@code _mma_sync}: with
 *       {@code -Dcolossus.cuda.attentionKernel=mma}, the mma.sync one; {@code _lse}: with the
 *       log-sum-exps, at L = 4096), B=4, H=16, D=128, BF16, L = 1024..8192, plain and causal (the
 *       composed path at 2048 too); decode, one query against Lk = 4k..64k keys (B=4, Hq=32, Hkv=8),
 *       in GB/s over the bytes of K and V, beside a device-to-device copy (bytes read + written);</li>
 *   <li>elementwise: the ops around a linear layer on its (8192, 16384) BF16 output, in GB/s over the
 *       bytes read and written: {@code x + y}, {@code x + bias} (a row broadcast down the rows) and
 *       {@code gelu(x)};</li>
 *   <li>copy: 1 GiB host-to-device from pageable memory (beside the host's own copy rate);</li>
 *   <li>small: one small add (beside its output's allocation and its launch alone);</li>
 *   <li>minilm: MiniLM's encoder ({@link MiniLm#random}: its shapes, seeded random weights, written to
 *       {@link #MINILM_FILE} for PyTorch to run the same), F32 and BF16, on 256 sentences of 128 tokens,
 *       in sentences/s; the first and last sentence's embeddings checked against the CPU backend;</li>
 *   <li>llama: Llama 3.2 1B ({@link Llama#randomOneB}, BF16): a 2048-token prefill in tokens/s, and a
 *       decode step after 512 tokens at batch 1 and at batch 32 in tokens/s, the batch-1 step also as
 *       its weights' bytes a second over a device-to-device copy's (bytes read + written, reported as
 *       {@code copy_d2d_1gib} as the decode case reports it); the
 *       tiny configuration's prefill and decode logits checked against the CPU backend.</li>
 * </ul>
 * The models' cases have never run on a GPU.
 *
 * <p>{@code --probe} prints {@code Backends.describe()} and exits; {@code --cases=copy,small} runs only
 * those groups, and {@code --suffix=S} appends S to each case's name (for a second run with other settings).
 *
 * <p>Each case runs until warm, then in five trials of enough iterations to take about 0.3 s;
 * the median trial's time per iteration is reported. Inputs are random, never zeros. Each case's
 * result is then checked against the same values computed another way ({@link GpuChecks}: products
 * against the CPU backend on their first and last rows, custom kernels against cuBLAS, fused attention
 * against the composed path, elementwise ops against the CPU on four rows, copies exactly); the exit
 * status is 1 when a check failed.
 */
public final class GpuBench {
    private static final double TRIAL_SECONDS = 0.3;
    private static final GpuChecks CHECKS = new GpuChecks();
    /** Appended to each case's name: the settings a second run was made with. */
    private static String suffix = "";

    private GpuBench() {
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        List<String> cases = List.of("gemm", "linear", "fp8", "attention", "decode", "elementwise", "copy", "small");
        // The models' cases (minilm, llama) take their own call of the GPU check (gpu-check.sh run models): named only.
        for (String arg : args) {
            if (arg.equals("--probe")) {
                System.out.println(Backends.describe());
                return;
            } else if (arg.startsWith("--cases=")) {
                cases = List.of(arg.substring("--cases=".length()).split(","));
            } else if (arg.startsWith("--suffix=")) {
                suffix = arg.substring("--suffix=".length());
            } else {
                throw new IllegalArgumentException(
                        "usage: GpuBench [--probe] [--cases=gemm,linear,fp8,attention,decode,elementwise,copy,small,minilm,llama] [--suffix=S]");
            }
        }
        if (!Backends.availableNames().contains("cuda")) {
            System.err.println(Backends.describe());
            System.exit(2);
        }
        Backend cuda = Backends.get("cuda");
        System.err.println(Backends.describe());
        if (cases.contains("gemm")) {
            gemm(cuda);
        }
        if (cases.contains("attention")) {
            attention(cuda);
        }
        if (cases.contains("decode")) {
            decode(cuda);
        }
        if (cases.contains("linear")) {
            linear(cuda);
        }
        if (cases.contains("fp8")) {
            fp8(cuda);
        }
        if (cases.contains("elementwise")) {
            elementwise(cuda);
        }
        if (cases.contains("copy")) {
            copy(cuda);
        }
        if (cases.contains("small")) {
            small(cuda);
        }
        if (cases.contains("minilm")) {
            minilm(cuda);
        }
        if (cases.contains("llama")) {
            llama(cuda);
        }
        if (CHECKS.summarize() > 0) {
            System.exit(1);
        }
    }

    private static void gemm(Backend cuda) {
        for (DType dtype : new DType[] {DType.BF16, DType.F16, DType.F32}) {
            String type = dtype.name().toLowerCase(Locale.ROOT);
            int[][] shapes = dtype != DType.BF16 ? new int[][] {{8192, 8192, 8192}}
                    : new int[][] {{2048, 2048, 2048}, {4096, 4096, 4096}, {8192, 8192, 8192}, {4096, 4096, 1000}, {1, 8192, 8192}};
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                String shape = m == n && n == k ? String.valueOf(n) : m + "x" + n + "x" + k;
                try (Tensor a = random(1, dtype, cuda.device(), m, k); Tensor b = random(2, dtype, cuda.device(), k, n)) {
                    String[] variants = dtype == DType.F32 ? new String[] {""} : new String[] {"", "_custom"};
                    gemmVariants(cuda, "gemm_" + type + "_" + shape, variants, 2.0 * m * n * k, a, b);
                }
            }
        }
        // b K-major (a transposed view, as linear's weight): on Hopper the wgmma kernel's layout.
        for (int n : new int[] {4096, 8192}) {
            try (Tensor a = random(1, DType.BF16, cuda.device(), n, n); Tensor w = random(2, DType.BF16, cuda.device(), n, n);
                 Tensor b = w.transpose(0, 1)) {
                gemmVariants(cuda, "gemm_bf16_" + n + "_tn", new String[] {"", "_custom", "_custom_mma"}, 2.0 * n * n * n, a, b);
            }
        }
    }

    /**
     * {@code a b} on each of {@code variants}: "" cuBLAS; {@code _custom} the custom kernel (wgmma
     * where it applies); {@code _custom_mma} the mma.sync kernel forced. Each checked on its first and
     * last rows against the CPU backend.
     */
    private static void gemmVariants(Backend cuda, String name, String[] variants, double flops, Tensor a, Tensor b) {
        for (String variant : variants) {
            String mode = variant.isEmpty() ? "cublas" : "custom";
            String kernel = variant.equals("_custom_mma") ? "mma" : null;
            double seconds = with("colossus.cuda.gemmKernel", kernel,
                    () -> with("colossus.cuda.gemm", mode, () -> time(cuda, () -> Ops.matmul(a, b).close())));
            report(name + variant, seconds, flops / seconds / 1e12, "TFLOP/s");
            CHECKS.compare(name + variant + ", rows 0 and m-1 against the CPU", () -> kept(() -> Ops.matmul(endRows(a).to(Device.CPU), b.to(Device.CPU))),
                    () -> with("colossus.cuda.gemmKernel", kernel, () -> with("colossus.cuda.gemm", mode, () -> kept(() -> endRows(Ops.matmul(a, b))))),
                    GpuChecks.tolerance(a.dtype()));
        }
    }

    /** The first and the last row of a matrix (the same row twice when it has one). */
    private static Tensor endRows(Tensor t) {
        return Ops.cat(0, t.narrow(0, 0, 1), t.narrow(0, t.size(0) - 1, 1));
    }

    /** {@code body}'s result, every other tensor it made closed. */
    private static Tensor kept(Supplier<Tensor> body) {
        try (Scope scope = Scope.open()) {
            return scope.keep(body.get());
        }
    }

    /**
     * An MLP's up-projection and its activation, gelu(x W^T + b), x (8192, 4096), W (16384, 4096), BF16;
     * and x W^T + b alone, which shows what the activation costs, for 8192 tokens and for 1, 64 and
     * 1024: where the custom kernel's fused bias beats cuBLAS and the epilogue pass, and where not.
     */
    /**
     * cuBLAS and the epilogue pass ({@code colossus.cuda.gemm=cublas}), the custom kernel, and with the
     * unvalidated kernels cuBLASLt's epilogue ({@code auto}, reported {@code _lt}).
     */
    private static final String[] LINEAR_MODES = Boolean.getBoolean("colossus.cuda.unvalidatedKernels")
            ? new String[] {"cublas", "custom", "auto"} : new String[] {"cublas", "custom"};

    private static void linear(Backend cuda) {
        int in = 4096, out = 16384;
        Device gpu = cuda.device();
        try (Tensor w = random(11, DType.BF16, gpu, out, in); Tensor bias = random(12, DType.BF16, gpu, out);
             Tensor wHost = w.to(Device.CPU); Tensor biasHost = bias.to(Device.CPU)) {
            for (int tokens : new int[] {8192, 1, 64, 1024}) {
                try (Tensor x = random(10, DType.BF16, gpu, tokens, in)) {
                    for (UnaryFn activation : tokens == 8192 ? new UnaryFn[] {UnaryFn.GELU, UnaryFn.GELU_TANH, null} : new UnaryFn[] {null}) {
                        for (String mode : LINEAR_MODES) {
                            if (mode.equals("auto") && activation == UnaryFn.GELU) {
                                continue; // cuBLASLt's GELU is the tanh form: erf's stays on cuBLAS and the pass
                            }
                            double s = with("colossus.cuda.gemm", mode, () -> time(cuda, () -> Ops.linear(x, w, bias, activation).close()));
                            String name = "linear" + (activation == null ? "" : "_" + activation.apiName().toLowerCase(Locale.ROOT))
                                    + "_bf16_" + tokens + "x16384x4096" + (mode.equals("cublas") ? "" : "_" + (mode.equals("auto") ? "lt" : mode));
                            report(name, s, 2.0 * tokens * in * out / s / 1e12, "TFLOP/s");
                            CHECKS.compare(name + ", rows 0 and m-1 against the CPU",
                                    () -> kept(() -> Ops.linear(endRows(x).to(Device.CPU), wHost, biasHost, activation)),
                                    () -> with("colossus.cuda.gemm", mode, () -> kept(() -> endRows(Ops.linear(x, w, bias, activation)))),
                                    GpuChecks.tolerance(DType.BF16));
                        }
                    }
                }
            }
        }
    }

    /**
     * The 8-bit float product, E4M3 by E4M3 into BF16, as {@code torch._scaled_mm} takes it: 8192³
     * and linear's shapes (tokens x 16384 x 4096), the weight (N, K) transposed; each checked on its
     * first and last rows against the CPU. cuBLASLt's product has not yet run on a GPU, so it runs only
     * with {@code -Dcolossus.cuda.unvalidatedKernels=true}; without it the case says so and is skipped.
     */
    private static void fp8(Backend cuda) {
        Device gpu = cuda.device();
        int[][] shapes = {{8192, 8192, 8192}, {8192, 16384, 4096}, {1, 16384, 4096}, {64, 16384, 4096}, {1024, 16384, 4096}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            String name = n == k ? "fp8_e4m3_" + n : "fp8_linear_e4m3_" + m + "x" + n + "x" + k;
            try (Scope scope = Scope.open()) {
                ScaledTensor x = Ops.toFp8(Tensor.randn(20, DType.F32, m, k), DType.F8E4M3);
                ScaledTensor w = Ops.toFp8(Tensor.randn(21, DType.F32, n, k), DType.F8E4M3);
                Tensor a = x.values().to(gpu), b = w.values().to(gpu).transpose(0, 1);
                Tensor scaleA = x.scale().to(gpu), scaleB = w.scale().to(gpu);
                try {
                    Ops.scaledMatmul(a, b, scaleA, scaleB, DType.BF16).close();
                } catch (UnsupportedOperationException e) {
                    System.err.println(name + " skipped: " + e.getMessage() + " (cuBLASLt's product needs -Dcolossus.cuda.unvalidatedKernels=true)");
                    continue;
                }
                double seconds = time(cuda, () -> Ops.scaledMatmul(a, b, scaleA, scaleB, DType.BF16).close());
                report(name, seconds, 2.0 * m * n * k / seconds / 1e12, "TFLOP/s");
                Tensor hostB = w.values().transpose(0, 1);
                CHECKS.compare(name + ", rows 0 and m-1 against the CPU",
                        () -> kept(() -> Ops.scaledMatmul(endRows(x.values()), hostB, x.scale(), w.scale(), DType.BF16)),
                        () -> kept(() -> endRows(Ops.scaledMatmul(a, b, scaleA, scaleB, DType.BF16)).to(Device.CPU)),
                        GpuChecks.tolerance(DType.BF16));
            }
        }
    }

    private static void attention(Backend cuda) {
        int batch = 4, heads = 16, headDim = 128;
        Device gpu = cuda.device();
        for (int length : new int[] {1024, 2048, 4096, 8192}) {
            try (Tensor q = random(3, DType.BF16, gpu, batch, heads, length, headDim);
                 Tensor k = random(4, DType.BF16, gpu, batch, heads, length, headDim);
                 Tensor v = random(5, DType.BF16, gpu, batch, heads, length, headDim)) {
                for (boolean causal : new boolean[] {false, true}) {
                    AttentionOptions options = AttentionOptions.defaults().causal(causal);
                    String name = "attention_bf16_b4h16l" + length + "d128" + (causal ? "_causal" : "");
                    Supplier<Tensor> composed = () -> with("colossus.cuda.attention", "composed",
                            () -> Ops.scaledDotProductAttention(q, k, v, options));
                    double flops = 4.0 * batch * heads * length * length * headDim * (causal ? 0.5 : 1);
                    for (String mode : length == 2048 ? new String[] {"fused", "composed"} : new String[] {"fused"}) {
                        double s = with("colossus.cuda.attention", mode,
                                () -> time(cuda, () -> Ops.scaledDotProductAttention(q, k, v, options).close()));
                        report(name + (mode.equals("composed") ? "_composed" : ""), s, flops / s / 1e12, "TFLOP/s");
                    }
                    CHECKS.compare(name + ", fused against composed", composed,
                            () -> with("colossus.cuda.attention", "fused", () -> Ops.scaledDotProductAttention(q, k, v, options)),
                            GpuChecks.tolerance(DType.BF16));
                    // The mma.sync kernel, which Hopper GPUs leave for attention_sm90a.cu (elsewhere the same kernel again).
                    double s = with("colossus.cuda.attentionKernel", "mma",
                            () -> time(cuda, () -> Ops.scaledDotProductAttention(q, k, v, options).close()));
                    report(name + "_mma_sync", s, flops / s / 1e12, "TFLOP/s");
                    CHECKS.compare(name + "_mma_sync, against composed", composed, () -> with("colossus.cuda.attentionKernel", "mma",
                            () -> Ops.scaledDotProductAttention(q, k, v, options)), GpuChecks.tolerance(DType.BF16));
                    if (length == 4096) {
                        double t = time(cuda, () -> Ops.scaledDotProductAttentionWithLogSumExp(q, k, v, options).close());
                        report(name + "_lse", t, flops / t / 1e12, "TFLOP/s");
                        CHECKS.compare(name + "_lse, its output against composed", composed,
                                () -> Ops.scaledDotProductAttentionWithLogSumExp(q, k, v, options).out(), GpuChecks.tolerance(DType.BF16));
                    }
                }
            }
        }
    }

    /** One query per head against a long K/V cache, B=4, Hq=32, Hkv=8, D=128, BF16: GB/s over K and V's bytes. */
    private static void decode(Backend cuda) {
        int batch = 4, heads = 32, kvHeads = 8, headDim = 128;
        Device gpu = cuda.device();
        for (int keys : new int[] {4096, 8192, 16384, 32768, 65536}) {
            try (Tensor q = random(13, DType.BF16, gpu, batch, heads, 1, headDim);
                 Tensor k = random(14, DType.BF16, gpu, batch, kvHeads, keys, headDim);
                 Tensor v = random(15, DType.BF16, gpu, batch, kvHeads, keys, headDim)) {
                double s = time(cuda, () -> Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults()).close());
                double bytes = 2.0 * batch * kvHeads * keys * headDim * 2;
                report("decode_bf16_b4h32kv8_lk" + keys, s, bytes / s / 1e9, "GB/s");
                CHECKS.compare("decode_bf16_b4h32kv8_lk" + keys + ", against composed",
                        () -> with("colossus.cuda.attention", "composed", () -> Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults())),
                        () -> Ops.scaledDotProductAttention(q, k, v, AttentionOptions.defaults()), GpuChecks.tolerance(DType.BF16));
            }
        }
        deviceCopy(cuda);
    }

    /**
     * A device-to-device copy of 1 GiB, reported and checked on its last 1M values: returns its rate,
     * bytes read plus written a second.
     */
    private static double deviceCopy(Backend cuda) {
        long bytes = 1L << 30;
        try (Tensor ones = Tensor.full(1.0, DType.F32, bytes / 4); Tensor x = ones.to(cuda.device())) {
            double s = time(cuda, () -> x.copy().close());
            report("copy_d2d_1gib", s, 2.0 * bytes / s / 1e9, "GB/s");
            CHECKS.compare("copy_d2d_1gib, the last 1M values", () -> ones.narrow(0, bytes / 4 - (1 << 20), 1 << 20).copy(),
                    () -> kept(() -> x.copy().narrow(0, bytes / 4 - (1 << 20), 1 << 20).to(Device.CPU)), 0);
            return 2.0 * bytes / s;
        }
    }

    /** {@code body}'s result with the system property {@code key} set to {@code value} (left as it is when null), then restored. */
    private static <T> T with(String key, String value, Supplier<T> body) {
        if (value == null) {
            return body.get();
        }
        String before = System.getProperty(key);
        System.setProperty(key, value);
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    /**
     * x + y, x + bias, gelu(x), relu, exp, silu and gelu_tanh on (8192, 16384) BF16, and x + y and gelu(x)
     * in F32: GB/s over the bytes each reads and writes.
     */
    private static void elementwise(Backend cuda) {
        int rows = 8192, columns = 16384;
        double bytes = 2.0 * rows * columns;
        Device gpu = cuda.device();
        try (Tensor x = random(13, DType.BF16, gpu, rows, columns); Tensor y = random(14, DType.BF16, gpu, rows, columns);
             Tensor bias = random(15, DType.BF16, gpu, columns)) {
            double s = time(cuda, () -> Ops.add(x, y).close());
            report("add_bf16_8192x16384", s, 3 * bytes / s / 1e9, "GB/s");
            checkFourRows("add_bf16_8192x16384", t -> Ops.add(t[0], t[1]), x, y);
            s = time(cuda, () -> Ops.add(x, bias).close());
            report("bias_add_bf16_8192x16384", s, 2 * bytes / s / 1e9, "GB/s");
            CHECKS.compare("bias_add_bf16_8192x16384, rows 0-3 against the CPU",
                    () -> kept(() -> Ops.add(x.narrow(0, 0, 4).to(Device.CPU), bias.to(Device.CPU))),
                    () -> kept(() -> Ops.add(x, bias).narrow(0, 0, 4).to(Device.CPU)), GpuChecks.tolerance(DType.BF16));
            s = time(cuda, () -> Ops.gelu(x).close());
            report("gelu_bf16_8192x16384", s, 2 * bytes / s / 1e9, "GB/s");
            checkFourRows("gelu_bf16_8192x16384", t -> Ops.gelu(t[0]), x);
            Map<String, UnaryOperator<Tensor>> unary = new LinkedHashMap<>();
            unary.put("relu", Ops::relu);
            unary.put("exp", Ops::exp);
            unary.put("silu", Ops::silu);
            unary.put("gelu_tanh", Ops::geluTanh);
            for (Map.Entry<String, UnaryOperator<Tensor>> fn : unary.entrySet()) {
                s = time(cuda, () -> fn.getValue().apply(x).close());
                report(fn.getKey() + "_bf16_8192x16384", s, 2 * bytes / s / 1e9, "GB/s");
                checkFourRows(fn.getKey() + "_bf16_8192x16384", t -> fn.getValue().apply(t[0]), x);
            }
        }
        // F32: twice the bytes for the same arithmetic, which tells a memory-bound op from a compute-bound one.
        try (Tensor x = random(16, DType.F32, gpu, rows, columns); Tensor y = random(17, DType.F32, gpu, rows, columns)) {
            double s = time(cuda, () -> Ops.add(x, y).close());
            report("add_f32_8192x16384", s, 6 * bytes / s / 1e9, "GB/s");
            checkFourRows("add_f32_8192x16384", t -> Ops.add(t[0], t[1]), x, y);
            s = time(cuda, () -> Ops.gelu(x).close());
            report("gelu_f32_8192x16384", s, 4 * bytes / s / 1e9, "GB/s");
            checkFourRows("gelu_f32_8192x16384", t -> Ops.gelu(t[0]), x);
        }
    }

    /** {@code op} over the GPU tensors {@code inputs} against the CPU backend's over their first four rows. */
    private static void checkFourRows(String name, java.util.function.Function<Tensor[], Tensor> op, Tensor... inputs) {
        CHECKS.compare(name + ", rows 0-3 against the CPU",
                () -> kept(() -> op.apply(Arrays.stream(inputs).map(t -> t.narrow(0, 0, 4).to(Device.CPU)).toArray(Tensor[]::new))),
                () -> kept(() -> op.apply(inputs).narrow(0, 0, 4).to(Device.CPU)), GpuChecks.tolerance(inputs[0].dtype()));
    }

    private static void copy(Backend cuda) {
        long bytes = 1L << 30;
        try (Tensor host = Tensor.rand(6, DType.F32, bytes / 4)) {
            double s = time(cuda, () -> host.to(cuda.device()).close());
            report("copy_h2d_1gib", s, bytes / s / 1e9, "GB/s");
            CHECKS.compare("copy_h2d_1gib, the last 1M values", () -> host.narrow(0, bytes / 4 - (1 << 20), 1 << 20).copy(),
                    () -> kept(() -> host.to(cuda.device()).narrow(0, bytes / 4 - (1 << 20), 1 << 20).to(Device.CPU)), 0);
        }
        hostCopy(bytes);
    }

    /** One small add, then where its time goes: the allocation of its output, and its launch alone. */
    private static void small(Backend cuda) {
        Device gpu = cuda.device();
        try (Tensor x = random(7, DType.F32, gpu, 1024); Tensor y = random(8, DType.F32, gpu, 1024)) {
            double s = time(cuda, () -> Ops.add(x, y).close());
            report("small_add_1024", s, s * 1e6, "us/op");
            CHECKS.compare("small_add_1024, against the CPU", () -> kept(() -> Ops.add(x.to(Device.CPU), y.to(Device.CPU))),
                    () -> kept(() -> Ops.add(x, y).to(Device.CPU)), 0);
            s = time(cuda, () -> cuda.allocate(4096).release());
            report("small_alloc_free_4kib", s, s * 1e6, "us/op");
        }
        Storage[] storages = {cuda.allocate(4096), cuda.allocate(4096), cuda.allocate(4096)};
        try {
            Operand[] xys = Arrays.stream(storages).map(st -> Operand.contiguous(st, DType.F32, Shape.of(1024)))
                    .toArray(Operand[]::new);
            Binary add = new Binary(BinaryFn.ADD, xys[0], xys[1], xys[2]);
            double s = time(cuda, () -> cuda.execute(add));
            report("small_add_1024_launch", s, s * 1e6, "us/op");
        } finally {
            Arrays.stream(storages).forEach(Storage::release);
        }
    }

    /**
     * The host's own copy rate, 1 GiB in 1 MiB pieces on every core into a 32 MiB buffer: the ceiling
     * of a copy from pageable memory through pinned staging, which does the same before each DMA.
     */
    private static void hostCopy(long bytes) {
        long buffer = 32L << 20, piece = 1L << 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(bytes, 4096), dst = arena.allocate(buffer, 4096);
            src.fill((byte) 1);
            dst.fill((byte) 2);
            double s = time(null, () -> {
                for (long chunk = 0; chunk < bytes; chunk += buffer) {
                    long from = chunk;
                    IntStream.range(0, (int) (buffer / piece)).parallel()
                            .forEach(p -> MemorySegment.copy(src, from + p * piece, dst, p * piece, piece));
                }
            });
            report("host_copy_1gib", s, bytes / s / 1e9, "GB/s");
        }
    }

    /** MiniLM's random weights, where PyTorch's side of the check ({@code torch_models.py}) reads them. */
    private static final Path MINILM_FILE = Path.of(System.getProperty("java.io.tmpdir"), "colossus-minilm-random.safetensors");
    private static final int MINILM_BATCH = 256, MINILM_TOKENS = 128;

    /**
     * Token {@code t} of sentence {@code b}: {@code 1 + (7919 (b L + t)) mod (V - 1)}, never [PAD] (0), so
     * every sentence is L tokens long; {@code torch_models.py} makes the same.
     */
    private static Tensor minilmIds(int sentences, int tokens) {
        long[] ids = new long[sentences * tokens];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1 + 7919L * i % (MiniLm.VOCAB - 1);
        }
        return Tensor.of(ids, sentences, tokens);
    }

    private static void minilm(Backend cuda) {
        Device gpu = cuda.device();
        try (MiniLm host = MiniLm.random(1); Tensor ids = minilmIds(MINILM_BATCH, MINILM_TOKENS); Tensor gpuIds = ids.to(gpu);
                Tensor ends = endRows(ids)) {
            SafeTensors.write(MINILM_FILE, host.weights(), Map.of("format", "pt"));
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                String name = "minilm_" + dtype.name().toLowerCase(Locale.ROOT) + "_b" + MINILM_BATCH + "l" + MINILM_TOKENS;
                try (MiniLm onHost = host.to(dtype); MiniLm model = onHost.to(gpu)) {
                    double s = time(cuda, () -> model.embed(gpuIds).close());
                    report(name, s, MINILM_BATCH / s, "sentences/s");
                    CHECKS.compare(name + ", sentences 0 and " + (MINILM_BATCH - 1) + " against the CPU", () -> onHost.embed(ends),
                            () -> kept(() -> endRows(model.embed(gpuIds)).to(Device.CPU)), GpuChecks.tolerance(dtype));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The prompt of sequence {@code b}: token i is {@code (7919 (i + L b)) mod V}, as {@code LlamaBench}'s for b = 0. */
    private static long[] llamaPrompt(int b, int length, int vocab) {
        long[] ids = new long[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 7919L * (i + (long) length * b) % vocab;
        }
        return ids;
    }

    private static void llama(Backend cuda) {
        Device gpu = cuda.device();
        llamaCheck(gpu);
        int vocab = Llama.Config.LLAMA_3_2_1B.vocab(), context = 512, prefill = 2048, batch = 32;
        try {
            Path file = Llama.randomOneB();
            try (Llama one = Llama.load(file, gpu, 1)) {
                long[] prompt = llamaPrompt(0, prefill, vocab);
                double s = time(cuda, () -> {
                    one.reset();
                    one.forward(prompt).close();
                });
                report("llama1b_bf16_prefill_" + prefill, s, prefill / s, "tokens/s");
                one.reset();
                one.forward(Arrays.copyOf(prompt, context)).close();
                s = time(cuda, () -> {
                    one.rewind(context);
                    one.forward(new long[] {42}).close();
                });
                report("llama1b_bf16_decode_b1_ctx" + context, s, 1 / s, "tokens/s");
                double weights = one.weightBytes() / s, copy = deviceCopy(cuda);
                report("llama1b_bf16_decode_b1_ctx" + context + "_of_copy", s, weights / copy, "of copy");
            }
            try (Llama many = Llama.load(file, gpu, batch)) {
                long[][] prompts = new long[batch][], next = new long[batch][];
                for (int b = 0; b < batch; b++) {
                    prompts[b] = llamaPrompt(b, context, vocab);
                    next[b] = new long[] {42 + b};
                }
                many.forward(prompts).close();
                double s = time(cuda, () -> {
                    many.rewind(context);
                    many.forward(next).close();
                });
                report("llama1b_bf16_decode_b" + batch + "_ctx" + context, s, batch / s, "tokens/s");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tiny configuration's logits on the GPU against the CPU's, the same random F32 weights: a prefill, then a decode step. */
    private static void llamaCheck(Device gpu) {
        Llama.Config tiny = Llama.Config.TINY;
        try {
            Path file = Files.createTempFile("colossus-llama-tiny", ".safetensors");
            try {
                Llama.writeRandom(tiny, DType.F32, 9, file);
                try (Llama host = Llama.load(file); Llama device = Llama.load(file, gpu, 1)) {
                    long[] prompt = llamaPrompt(0, 37, tiny.vocab());
                    CHECKS.compare("llama_tiny_prefill_37, logits against the CPU", () -> host.forward(prompt),
                            () -> kept(() -> device.forward(prompt).to(Device.CPU)), GpuChecks.tolerance(DType.F32));
                    CHECKS.compare("llama_tiny_decode, logits against the CPU", () -> host.forward(new long[] {5}),
                            () -> kept(() -> device.forward(new long[] {5}).to(Device.CPU)), GpuChecks.tolerance(DType.F32));
                }
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Tensor random(long seed, DType dtype, Device gpu, long... shape) {
        try (Tensor host = Tensor.randn(seed, dtype, shape)) {
            return host.to(gpu);
        }
    }

    /** Median seconds per run of {@code op} over five trials, after a warm-up; {@code backend} (or null) is waited for. */
    private static double time(Backend backend, Runnable op) {
        long start = System.nanoTime();
        int warm = 0;
        while (warm < 3 || System.nanoTime() - start < 0.2e9) {
            op.run();
            warm++;
        }
        synchronize(backend);
        double once = (System.nanoTime() - start) / 1e9 / warm;
        int iterations = (int) Math.max(1, Math.min(100_000, TRIAL_SECONDS / once));
        double[] trials = new double[5];
        for (int t = 0; t < trials.length; t++) {
            long begin = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                op.run();
            }
            synchronize(backend);
            trials[t] = (System.nanoTime() - begin) / 1e9 / iterations;
        }
        Arrays.sort(trials);
        return trials[trials.length / 2];
    }

    private static void synchronize(Backend backend) {
        if (backend != null) {
            backend.synchronize();
        }
    }

    private static void report(String name, double seconds, double rate, String unit) {
        System.out.printf("colossus,%s,%.6e,%.3f,%s%n", name + suffix, seconds, rate, unit);
    }
}
