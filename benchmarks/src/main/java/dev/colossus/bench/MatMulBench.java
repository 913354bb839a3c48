package dev.colossus.bench;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.spi.Backend;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.ejml.dense.row.RandomMatrices_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.ojalgo.matrix.store.R032Store;

/**
 * {@code C = A B}, {@code (batch, M, K) x (batch, K, N)}, F32, for Colossus and its peers in one run
 * (shapes ending in {@code t}: B is a linear layer's weight w stored (N, K), the product {@code x wᵀ}):
 * <ul>
 *   <li>{@code colossus}: the backend {@code -Dcolossus.backend} picks (the CPU backend by default);
 *       {@code colossus-bf16}: the same with BF16 inputs (F32 accumulation, F32 rate counted alike);
 *       {@code colossus-f16}: with F16 inputs, likewise;
 *       {@code colossus-f64}: F64 throughout, beside {@code openblas-f64} ({@code cblas_dgemm});
 *   <li>{@code reference}: Colossus's reference loops (small shapes only: seconds per product at 1024);
 *   <li>{@code openblas}: OpenBLAS's {@code cblas_sgemm} through org.bytedeco, the native limit, with
 *       as many threads as Colossus ({@code colossus.cpu.threads}, default the cores); it refuses to run
 *       while {@code OPENBLAS_CORETYPE} forces a kernel ({@link OpenBlasPeer});
 *   <li>{@code ejml}: EJML's multithreaded {@code CommonOps_MT_FDRM.mult}; {@code ojalgo}: ojAlgo's
 *       {@code R032Store.fillByMultiplying}, each with its own threading;
 *   <li>{@code copy}: B's bytes copied by every thread ({@link Yardstick}), the memory-bandwidth
 *       yardstick for the decode shapes (M = 1..16), which must stream B once.
 * </ul>
 * The score is time per product; {@code MatMulReport} turns a JSON result into GFLOP/s and GB/s.
 * Warm-up is 5 x 2 s: on 2 busy cores the JIT finishes the BF16 path at 2048 only after about 6 s
 * (its first 2 s iterations: 138, 78, 52, then 45 ms per product), and 3 x 1 s measured it half-compiled.
 *
 * <pre>
 * benchmarks/run-matmul.sh          # the sweep committed under benchmarks/results/cpu/
 * java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar MatMulBench \
 *      -p shape=1024 -p impl=colossus,openblas
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatMulBench {
    @Param({"colossus", "colossus-bf16", "colossus-f16", "colossus-f64", "openblas", "openblas-f64", "ejml", "ojalgo", "reference",
            "copy"})
    public String impl;

    @Param({"64", "128", "256", "512", "1024", "2048", "4096", "1x4096x4096", "16x4096x11008", "1x4096x4096t", "16x4096x11008t",
            "32x256x256x256"})
    public String shape;

    private Runnable product;
    private AutoCloseable resources;

    @Setup
    public void setUp() {
        MatMulShape s = MatMulShape.parse(shape);
        int m = (int) s.m(), k = (int) s.k(), n = (int) s.n(), batch = (int) s.batch();
        switch (impl) {
            case "colossus", "colossus-bf16", "colossus-f16", "colossus-f64", "reference" -> {
                Backend backend = Backends.get(impl.equals("reference") ? "reference" : Backends.forDevice(Device.CPU).name());
                DType dtype = switch (impl) {
                    case "colossus-bf16" -> DType.BF16;
                    case "colossus-f16" -> DType.F16;
                    case "colossus-f64" -> DType.F64;
                    default -> DType.F32;
                };
                Tensor a = batch == 1 ? Tensor.randn(1, dtype, m, k) : Tensor.randn(1, dtype, batch, m, k);
                Tensor b = operandB(s, dtype);
                product = () -> {
                    try (Tensor c = Backends.using(backend, () -> Ops.matmul(a, b))) {
                        backend.synchronize();
                    }
                };
                resources = () -> {
                    a.close();
                    b.close();
                };
            }
            case "openblas" -> {
                OpenBlasPeer.prepare();
                FloatPointer a = random((long) batch * m * k), b = random((long) batch * k * n);
                FloatPointer c = new FloatPointer((long) batch * m * n);
                int transB = s.weightB() ? openblas_full.CblasTrans : openblas_full.CblasNoTrans;
                int ldb = s.weightB() ? k : n;
                product = () -> {
                    for (int p = 0; p < batch; p++) {
                        openblas_full.cblas_sgemm(openblas_full.CblasRowMajor, openblas_full.CblasNoTrans,
                                transB, m, n, k, 1f, a.position((long) p * m * k), k,
                                b.position((long) p * k * n), ldb, 0f, c.position((long) p * m * n), n);
                    }
                };
                resources = () -> {
                    a.close();
                    b.close();
                    c.close();
                };
            }
            case "openblas-f64" -> {
                OpenBlasPeer.prepare();
                DoublePointer a = randomDoubles((long) batch * m * k), b = randomDoubles((long) batch * k * n);
                DoublePointer c = new DoublePointer((long) batch * m * n);
                product = () -> {
                    for (int p = 0; p < batch; p++) {
                        openblas_full.cblas_dgemm(openblas_full.CblasRowMajor, openblas_full.CblasNoTrans,
                                openblas_full.CblasNoTrans, m, n, k, 1, a.position((long) p * m * k), k,
                                b.position((long) p * k * n), n, 0, c.position((long) p * m * n), n);
                    }
                };
                resources = () -> {
                    a.close();
                    b.close();
                    c.close();
                };
            }
            case "ejml" -> {
                java.util.Random random = new java.util.Random(1);
                FMatrixRMaj[] a = new FMatrixRMaj[batch], b = new FMatrixRMaj[batch], c = new FMatrixRMaj[batch];
                for (int p = 0; p < batch; p++) {
                    a[p] = RandomMatrices_FDRM.rectangle(m, k, -1, 1, random);
                    b[p] = RandomMatrices_FDRM.rectangle(k, n, -1, 1, random);
                    c[p] = new FMatrixRMaj(m, n);
                }
                product = () -> {
                    for (int p = 0; p < batch; p++) {
                        CommonOps_MT_FDRM.mult(a[p], b[p], c[p]);
                    }
                };
            }
            case "ojalgo" -> {
                R032Store[] a = new R032Store[batch], b = new R032Store[batch], c = new R032Store[batch];
                java.util.Random random = new java.util.Random(1);
                for (int p = 0; p < batch; p++) {
                    a[p] = R032Store.FACTORY.make(m, k);
                    b[p] = R032Store.FACTORY.make(k, n);
                    c[p] = R032Store.FACTORY.make(m, n);
                    fill(a[p], random);
                    fill(b[p], random);
                }
                product = () -> {
                    for (int p = 0; p < batch; p++) {
                        c[p].fillByMultiplying(a[p], b[p]);
                    }
                };
            }
            case "copy" -> {
                Yardstick copy = new Yardstick(4L * batch * k * n);
                product = copy::copy;
                resources = copy;
            }
            default -> throw new IllegalArgumentException("impl " + impl);
        }
    }

    /** B: (K, N) row-major, or for a weight shape the view wᵀ of w stored (N, K); batched, a batch dimension first. */
    private static Tensor operandB(MatMulShape s, DType dtype) {
        long[] stored = s.weightB() ? new long[] {s.batch(), s.n(), s.k()} : new long[] {s.batch(), s.k(), s.n()};
        if (s.batch() == 1) {
            stored = java.util.Arrays.copyOfRange(stored, 1, 3);
        }
        Tensor b = Tensor.randn(2, dtype, stored);
        if (!s.weightB()) {
            return b;
        }
        try (b) {
            return b.transpose(-2, -1);
        }
    }

    private static void fill(R032Store x, java.util.Random random) {
        for (long i = 0; i < x.countRows(); i++) {
            for (long j = 0; j < x.countColumns(); j++) {
                x.set(i, j, random.nextGaussian());
            }
        }
    }

    private static DoublePointer randomDoubles(long n) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(n);
        double[] values = new double[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble() * 2 - 1;
        }
        return new DoublePointer(values);
    }

    private static FloatPointer random(long n) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(n);
        float[] values = new float[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return new FloatPointer(values);
    }

    @Benchmark
    public void matmul() {
        product.run();
    }

    @TearDown
    public void tearDown() throws Exception {
        if (resources != null) {
            resources.close();
        }
    }
}
