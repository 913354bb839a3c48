package dev.colossus.cuda;

import dev.colossus.spi.Setting;
import dev.colossus.spi.SettingsReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of the CUDA backend, read in this one place, each from its system property, else its
 * environment variable ({@code COLOSSUS_CUDA_TF32}, ...; see {@link Setting#environmentName}), else
 * its default.
 *
 * <p>The routing choices are taken from {@link #routing()} at each op, so that a benchmark or a test
 * can compare two paths in one JVM: {@code colossus.cuda.gemm=cublas|custom|auto} (which GEMM takes a
 * product), {@code colossus.cuda.gemmKernel=mma} (keep Colossus's GEMM off the Hopper kernels), {@code
 * colossus.cuda.attention=fused|composed} and {@code colossus.cuda.attentionKernel=wgmma|mma|auto}.
 * The rest hold for the process from the first use ({@link #AT_START}): {@code colossus.cuda.tf32},
 * {@code colossus.cuda.syncEachOp}, {@code colossus.cuda.unvalidatedKernels}, {@code
 * colossus.cuda.blockCache=false}, {@code colossus.cuda.blockCacheBytes} (256 MiB) and {@code
 * colossus.cuda.poolCacheBytes} (4 GiB). A value outside a setting's choices is refused with the
 * setting's name: at an op for a routing choice; for the others, the backend is unavailable and
 * {@link #problem()} says why.
 */
record CudaOptions(Gemm gemm, GemmKernel gemmKernel, AttentionPath attention, AttentionKernel attentionKernel,
        boolean tf32, boolean syncEachOp, boolean unvalidatedKernels, boolean blockCache, long blockCacheBytes,
        long poolCacheBytes, List<Setting> settings) {
    private static final SettingsReader.AtStart<CudaOptions> START = SettingsReader.readAtStart(reader -> read(reader, null));
    /** The settings as they were when the backend was first used (the defaults if one was refused). */
    static final CudaOptions AT_START = START.settings();

    /**
     * Which GEMM takes a product: {@code auto} is cuBLAS for every product (see {@link CudaBackend}),
     * a linear layer's bias and activation in cuBLASLt's epilogue with the unvalidated kernels.
     */
    enum Gemm { CUBLAS, CUSTOM, AUTO }

    /** Which of Colossus's GEMM kernels: wgmma on Hopper where it applies ({@code default}), or always mma.sync. */
    enum GemmKernel { DEFAULT, MMA }

    /** Whether attention takes the fused kernels where they apply, or always the composed ops. */
    enum AttentionPath { FUSED, COMPOSED }

    /** Which fused attention kernel: the Hopper one, the mma.sync one, or by the shape ({@link FusedAttention}). */
    enum AttentionKernel { WGMMA, MMA, AUTO }

    /** The settings now, the routing choices as they are set at this moment and the rest as {@link #AT_START}. */
    static CudaOptions routing() {
        return read(SettingsReader.system(), AT_START);
    }

    /** Why a setting read at the first use was refused, naming it; null when none was. */
    static String problem() {
        return START.problem();
    }

    /** Whether Colossus's GEMM keeps to the mma.sync kernel. */
    boolean mmaGemmOnly() {
        return gemmKernel == GemmKernel.MMA;
    }

    /** The routing choices from {@code reader}; the other settings from {@code start}, or from {@code reader} where it is null. */
    private static CudaOptions read(SettingsReader reader, CudaOptions start) {
        Gemm gemm = reader.choice("colossus.cuda.gemm", Gemm.AUTO, "which GEMM takes a product (auto: cuBLAS)");
        GemmKernel gemmKernel = reader.choice("colossus.cuda.gemmKernel", GemmKernel.DEFAULT,
                "Colossus's GEMM kernel: default (wgmma on Hopper where it applies) or mma (mma.sync)");
        AttentionPath attention = reader.choice("colossus.cuda.attention", AttentionPath.FUSED,
                "attention by the fused kernels where they apply, or composed of ops");
        AttentionKernel attentionKernel = reader.choice("colossus.cuda.attentionKernel", AttentionKernel.AUTO,
                "the fused attention kernel: wgmma (Hopper), mma (mma.sync) or auto (by the shape)");
        if (start != null) {
            List<Setting> settings = new ArrayList<>(reader.settings());
            settings.addAll(start.settings.subList(settings.size(), start.settings.size()));
            return new CudaOptions(gemm, gemmKernel, attention, attentionKernel, start.tf32, start.syncEachOp,
                    start.unvalidatedKernels, start.blockCache, start.blockCacheBytes, start.poolCacheBytes,
                    List.copyOf(settings));
        }
        boolean tf32 = reader.flag("colossus.cuda.tf32", false, "F32 products on TF32 Tensor Cores (10-bit mantissas)");
        boolean syncEachOp = reader.flag("colossus.cuda.syncEachOp", false,
                "wait for each op to finish, so that a fault names its op");
        boolean unvalidated = reader.flag("colossus.cuda.unvalidatedKernels", false,
                "use the kernels and cuBLASLt paths no GPU run has passed yet (see gpu-runs.md)");
        boolean blockCache = reader.flag("colossus.cuda.blockCache", true, "keep freed blocks of up to 1 MiB for reuse");
        long blockCacheBytes = reader.bytes("colossus.cuda.blockCacheBytes", 256L << 20, "the most bytes of small blocks kept");
        long poolCacheBytes = reader.bytes("colossus.cuda.poolCacheBytes", 1L << 32,
                "the most free bytes the driver's memory pool keeps");
        return new CudaOptions(gemm, gemmKernel, attention, attentionKernel, tf32, syncEachOp, unvalidated, blockCache,
                blockCacheBytes, poolCacheBytes, reader.settings());
    }
}
