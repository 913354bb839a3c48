package dev.colossus.cuda;

import java.util.Properties;

/**
 * Every setting of the CUDA backend, read from system properties in this one place.
 *
 * <p>The routing choices are taken from {@link #routing()} at each op, so that a benchmark or a test
 * can compare two paths in one JVM: {@code colossus.cuda.gemm=cublas|custom|auto} (which GEMM takes a
 * product), {@code colossus.cuda.gemmKernel=mma} (keep Colossus's GEMM off the Hopper kernels), {@code
 * colossus.cuda.attention=fused|composed} and {@code colossus.cuda.attentionKernel=wgmma|mma|auto}.
 * The rest hold for the process from the first use ({@link #AT_START}): {@code colossus.cuda.tf32} (or
 * {@code COLOSSUS_CUDA_TF32=true}), {@code colossus.cuda.syncEachOp}, {@code
 * colossus.cuda.unvalidatedKernels}, {@code colossus.cuda.blockCache=false}, {@code
 * colossus.cuda.blockCacheBytes} (256 MiB) and {@code colossus.cuda.poolCacheBytes} (4 GiB). A value
 * outside a setting's choices is refused with the property's name.
 */
record CudaOptions(Gemm gemm, boolean mmaGemmOnly, AttentionPath attention, AttentionKernel attentionKernel, boolean tf32,
        boolean syncEachOp, boolean unvalidatedKernels, boolean blockCache, long blockCacheBytes, long poolCacheBytes) {
    /** The settings as they were when the backend was first used. */
    static final CudaOptions AT_START = read(null);

    /** Which GEMM takes a product: {@code auto} is cuBLAS for every product (see {@link CudaBackend}). */
    enum Gemm { CUBLAS, CUSTOM, AUTO }

    /** Whether attention takes the fused kernels where they apply, or always the composed ops. */
    enum AttentionPath { FUSED, COMPOSED }

    /** Which fused attention kernel: the Hopper one, the mma.sync one, or by the shape ({@link FusedAttention}). */
    enum AttentionKernel { WGMMA, MMA, AUTO }

    /** The settings now, the routing choices as they are set at this moment and the rest as {@link #AT_START}. */
    static CudaOptions routing() {
        return read(AT_START);
    }

    /** The routing choices as set now; the other settings from {@code start}, or as set now where it is null. */
    private static CudaOptions read(CudaOptions start) {
        Properties p = System.getProperties();
        Gemm gemm = choice(p, "colossus.cuda.gemm", Gemm.AUTO);
        boolean mmaGemmOnly = "mma".equals(p.getProperty("colossus.cuda.gemmKernel"));
        AttentionPath attention = choice(p, "colossus.cuda.attention", AttentionPath.FUSED);
        AttentionKernel attentionKernel = choice(p, "colossus.cuda.attentionKernel", AttentionKernel.AUTO);
        if (start != null) {
            return new CudaOptions(gemm, mmaGemmOnly, attention, attentionKernel, start.tf32, start.syncEachOp,
                    start.unvalidatedKernels, start.blockCache, start.blockCacheBytes, start.poolCacheBytes);
        }
        return new CudaOptions(gemm, mmaGemmOnly, attention, attentionKernel,
                Boolean.parseBoolean(p.getProperty("colossus.cuda.tf32")) || "true".equalsIgnoreCase(System.getenv("COLOSSUS_CUDA_TF32")),
                Boolean.parseBoolean(p.getProperty("colossus.cuda.syncEachOp")),
                Boolean.parseBoolean(p.getProperty("colossus.cuda.unvalidatedKernels")),
                !"false".equals(p.getProperty("colossus.cuda.blockCache")),
                bytes(p, "colossus.cuda.blockCacheBytes", 256L << 20), bytes(p, "colossus.cuda.poolCacheBytes", 1L << 32));
    }

    private static <E extends Enum<E>> E choice(Properties p, String key, E fallback) {
        String value = p.getProperty(key);
        if (value == null) {
            return fallback;
        }
        for (E e : fallback.getDeclaringClass().getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("-D" + key + "=" + value + ": expected one of "
                + java.util.Arrays.stream(fallback.getDeclaringClass().getEnumConstants()).map(e -> e.name().toLowerCase()).toList());
    }

    private static long bytes(Properties p, String key, long fallback) {
        String value = p.getProperty(key);
        try {
            return value == null ? fallback : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + key + "=" + value + ": expected a number of bytes", e);
        }
    }
}
