package dev.colossus.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.op.UnaryFn;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.Generators.Layout;
import dev.colossus.testkit.Generators.Values;
import dev.colossus.testkit.TensorAssert;
import dev.colossus.testkit.Tolerance;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link TensorCoreGemm} where the conformance suite's small odd shapes do not reach: whole tiles on the
 * asynchronous-copy kernels, many K steps, batches, unaligned views, the fused activations, and large
 * products compared with cuBLAS on the same inputs (relative L2 within the dtype's GEMM tolerance),
 * each on every kernel variant (on Hopper the wgmma kernels take aligned products, b K-major or N-major).
 */
class TensorCoreGemmTest {
    @BeforeAll
    static void needsAGpu() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
    }

    /** The kernel choices: the default (wgmma for aligned products on Hopper), and mma.sync forced. */
    private static final List<String> KERNELS = List.of("default", "mma");

    /** {@code body} on the GPU with {@code -Dcolossus.cuda.gemm=mode}, its result brought back to the host. */
    private static Tensor onGpu(String mode, Supplier<Tensor> body) {
        return onGpu(mode, "default", body);
    }

    /** As {@link #onGpu(String, Supplier)} with one of {@link #KERNELS} ({@code -Dcolossus.cuda.gemmKernel}). */
    private static Tensor onGpu(String mode, String kernel, Supplier<Tensor> body) {
        System.setProperty("colossus.cuda.gemm", mode);
        if (!kernel.equals("default")) {
            System.setProperty("colossus.cuda.gemmKernel", kernel);
        }
        try {
            return Backends.using(Backends.get("cuda"), body).to(Device.CPU);
        } finally {
            System.clearProperty("colossus.cuda.gemm");
            System.clearProperty("colossus.cuda.gemmKernel");
        }
    }

    private static Tensor gpu(Tensor host) {
        return host.to(Device.cuda(0));
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void wholeTilesAndBatchesMatchTheReference(DType dtype) {
        long[][] shapes = {{128, 256, 64}, {256, 512, 320}, {300, 264, 1000}, {1, 512, 256}, {130, 72, 8}, {77, 270, 136}};
        long seed = 1;
        for (long[] s : shapes) {
            for (Layout b : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED)) {
                try (Scope scope = Scope.open()) {
                    Tensor x = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, s[0], s[2]);
                    Tensor y = Generators.tensor(seed++, dtype, Values.PLAIN, b, s[2], s[1]);
                    Tensor expected = Backends.using(Backends.get("reference"), () -> Ops.matmul(x, y));
                    for (String kernel : KERNELS) {
                        Tensor actual = onGpu("custom", kernel, () -> Ops.matmul(gpu(x), gpu(y)));
                        TensorAssert.assertRelativeL2("custom gemm " + java.util.Arrays.toString(s) + " b " + b + ", kernel " + kernel,
                                expected, actual, Tolerance.of(dtype));
                    }
                }
            }
        }
        try (Scope scope = Scope.open()) {
            Tensor x = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, 3, 2, 136, 200);
            Tensor y = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, 2, 200, 264);
            Tensor expected = Backends.using(Backends.get("reference"), () -> Ops.matmul(x, y));
            for (String kernel : KERNELS) {
                Tensor actual = onGpu("custom", kernel, () -> Ops.matmul(gpu(x), gpu(y)));
                TensorAssert.assertRelativeL2("custom gemm, batch (3, 2) with b broadcast, kernel " + kernel, expected, actual,
                        Tolerance.of(dtype));
            }
        }
        // Batches of b, or one b for every batch (on Hopper: tensor maps with a batch dimension or without), K-major and N-major.
        for (long[] bShape : new long[][] {{5, 264, 200}, {264, 200}}) {
            for (boolean kMajor : new boolean[] {true, false}) {
                try (Scope scope = Scope.open()) {
                    Tensor x = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, 5, 136, 200);
                    Tensor stored = Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, bShape);
                    // The same (200, 264) values either way: stored (264, 200) and transposed, or stored as they are read.
                    Tensor y = kMajor ? stored.transpose(-1, -2) : stored.transpose(-1, -2).contiguous();
                    Tensor expected = Backends.using(Backends.get("reference"), () -> Ops.matmul(x, y));
                    for (String kernel : KERNELS) {
                        Tensor actual = onGpu("custom", kernel, () -> Ops.matmul(gpu(x), gpu(y)));
                        TensorAssert.assertRelativeL2("custom gemm, batch 5, " + (kMajor ? "K" : "N") + "-major b "
                                + java.util.Arrays.toString(bShape) + ", kernel " + kernel, expected, actual, Tolerance.of(dtype));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void unalignedViewsTakeTheElementwiseKernels(DType dtype) {
        try (Scope scope = Scope.open()) {
            Tensor x = Generators.tensor(21, dtype, Values.PLAIN, Layout.CONTIGUOUS, 150, 301).narrow(1, 1, 300);
            Tensor y = Generators.tensor(22, dtype, Values.PLAIN, Layout.CONTIGUOUS, 300, 270).narrow(1, 3, 263);
            Tensor expected = Backends.using(Backends.get("reference"), () -> Ops.matmul(x, y));
            for (String kernel : KERNELS) {
                Tensor actual = onGpu("custom", kernel, () -> Ops.matmul(gpu(x), gpu(y)));
                TensorAssert.assertRelativeL2("custom gemm on unaligned views, kernel " + kernel, expected, actual, Tolerance.of(dtype));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void largeProductsMatchCublas(DType dtype) {
        long[][] shapes = {{2048, 2048, 2048, 0}, {2048, 2048, 2048, 1}, {1000, 4096, 1000, 0}, {1000, 4096, 1000, 1},
            {1, 8192, 4096, 0}, {300, 520, 4096, 1}};
        long seed = 40;
        for (long[] s : shapes) {
            try (Scope scope = Scope.open()) {
                Layout layout = s[3] == 1 ? Layout.TRANSPOSED : Layout.CONTIGUOUS;
                Tensor x = gpu(Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, s[0], s[2]));
                Tensor y = gpu(Generators.tensor(seed++, dtype, Values.PLAIN, layout, s[2], s[1]));
                Tensor cublas = onGpu("cublas", () -> Ops.matmul(x, y));
                for (String kernel : KERNELS) {
                    Tensor custom = onGpu("custom", kernel, () -> Ops.matmul(x, y));
                    TensorAssert.assertRelativeL2("custom gemm vs cuBLAS " + java.util.Arrays.toString(s) + ", kernel " + kernel, cublas,
                            custom, Tolerance.of(dtype));
                }
            }
        }
    }

    /**
     * A linear layer with GELU over 2048 tokens into 4096 features, K = 1000: 512 tiles, several to each
     * persistent block of the ping-pong kernels, so both consumers and their turns at the named barriers
     * run; the weight stored (out, in) (b K-major) and stored (in, out) and transposed (b N-major).
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void linearWithSeveralTilesPerBlockMatchesCublasThenTheEpilogueKernel(DType dtype) {
        try (Scope scope = Scope.open()) {
            Tensor x = gpu(Generators.tensor(70, dtype, Values.PLAIN, Layout.CONTIGUOUS, 2, 1024, 1000));
            Tensor stored = gpu(Generators.tensor(71, dtype, Values.PLAIN, Layout.CONTIGUOUS, 4096, 1000));
            Tensor bias = gpu(Generators.tensor(72, dtype, Values.PLAIN, Layout.CONTIGUOUS, 4096));
            for (boolean kMajor : new boolean[] {true, false}) {
                Tensor w = kMajor ? stored : stored.transpose(0, 1).contiguous().transpose(0, 1);
                Tensor composed = onGpu("cublas", () -> Ops.linear(x, w, bias, UnaryFn.GELU));
                Tensor fused = onGpu("custom", () -> Ops.linear(x, w, bias, UnaryFn.GELU));
                TensorAssert.assertRelativeL2("linear+gelu (2, 1024, 1000) x (4096, 1000), " + (kMajor ? "K" : "N")
                        + "-major weight, fused vs cuBLAS and gelu", composed, fused, Tolerance.of(dtype));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16"})
    void fusedLinearActivationsMatchCublasThenTheEpilogueKernel(DType dtype) {
        long seed = 60;
        for (UnaryFn act : List.of(UnaryFn.GELU, UnaryFn.GELU_TANH, UnaryFn.SILU, UnaryFn.RELU)) {
            try (Scope scope = Scope.open()) {
                // (4, 128) tokens into 1536 features, or 77 into 1000: a tile's last rows and columns cut short.
                boolean odd = act.ordinal() % 2 == 1;
                long[] tokens = odd ? new long[] {77, 520} : new long[] {4, 128, 512};
                long features = odd ? 1000 : 1536;
                Tensor x = gpu(Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, tokens));
                Tensor w = gpu(Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, features, tokens[tokens.length - 1]));
                Tensor bias = gpu(Generators.tensor(seed++, dtype, Values.PLAIN, Layout.CONTIGUOUS, features));
                Tensor composed = onGpu("cublas", () -> Ops.linear(x, w, bias, act));
                Tensor fused = onGpu("custom", () -> Ops.linear(x, w, bias, act));
                TensorAssert.assertRelativeL2("linear+" + act.apiName() + " fused vs cuBLAS and " + act.apiName(), composed, fused,
                        Tolerance.of(dtype));
            }
        }
    }
}
