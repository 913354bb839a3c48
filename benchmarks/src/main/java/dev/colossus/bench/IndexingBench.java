package dev.colossus.bench;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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

/**
 * The data-movement ops of a transformer, BF16 on the CPU backend, each moving 32 MiB in and 32 MiB
 * out, beside the yardstick, {@code copy}: 32 MiB copied between two native buffers by as many
 * threads as the CPU backend uses, a bulk copy ({@code MemorySegment.copy}, a memcpy) of an equal part
 * each, on a parallel stream. GB/s = 64 MiB / time for every case:
 * <ul>
 *   <li>{@code embedding}: 4096 token ids (random) looked up in a 32000 x 4096 table (250 MiB);</li>
 *   <li>{@code cat}: two (2048, 4096) tensors end to end along dim 0; {@code catLast}: two (4096, 2048)
 *       side by side along the last dim;</li>
 *   <li>{@code copyFrom}: a KV-cache write, (32, 4096, 128) into {@code cache.narrow(1, 0, 4096)} of a
 *       (32, 8192, 128) cache;</li>
 *   <li>{@code rotary}: rotate-half rotary embeddings of (32, 4096, 128) by cos and sin (4096, 64),
 *       and {@code rotaryInterleaved}, GPT-J's pairs.</li>
 * </ul>
 * Each op but copyFrom makes a new tensor per call, as a user's call does. {@code copyInPieces} is
 * the yardstick's copy made as bulk copies of 4 KiB: HotSpot's copy stub, which the yardstick's copy
 * runs, switches to non-temporal stores (written past the cache, no line read first) at about 2.5 MB,
 * and no Java loop can issue them, so this is the rate of the same copy through the cache, the ceiling
 * of every op here but a large enough {@code cat} or {@code copyFrom}. Its source is the copy's, which
 * the copy beside it has just read, so some of it comes from the cache; {@code copyColdInPieces}
 * reads a different 32 MiB of a 256 MiB buffer each call, which the cache cannot hold, as the
 * embedding reads its table: the ceiling of an op that reads memory and stores through the cache.
 *
 * <p>{@code run} times each case in its own forks, one case after another, so a machine whose memory
 * bandwidth drifts over minutes (a shared VM's moved by half between sittings) moves the ratios of
 * op to copy. {@code besideCopy} times the case and the copy alternately, call by call in the same
 * fork, and reports the two times ({@link CopyBeside}): their ratio is the op's fraction of the copy's
 * bandwidth under the same conditions.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class IndexingBench {
    /** The bytes every case reads, and writes. */
    public static final long BYTES = 32L << 20;
    /** The bulk copies of {@code copyInPieces}: a row of catLast's parts. */
    private static final long PIECE = 4096;

    /** {@code copyColdInPieces}'s source: this many of the yardstick's sizes, read one after another. */
    private static final int COLD_WINDOWS = 8;

    @Param({"copy", "copyInPieces", "copyColdInPieces", "embedding", "cat", "catLast", "copyFrom", "rotary", "rotaryInterleaved"})
    public String op;

    private Yardstick yardstick;
    private Arena coldArena;
    private MemorySegment coldSource;
    private long coldCalls;
    private Tensor table;
    private Tensor ids;
    private Tensor top;
    private Tensor bottom;
    private Tensor left;
    private Tensor right;
    private Tensor cache;
    private Tensor k;
    private Tensor cos;
    private Tensor sin;

    @Setup
    public void setUp() {
        yardstick = new Yardstick(BYTES);
        switch (op) {
            case "copy", "copyInPieces" -> {
                // the yardstick alone
            }
            case "copyColdInPieces" -> {
                coldArena = Arena.ofShared();
                coldSource = coldArena.allocate(COLD_WINDOWS * BYTES, 64).fill((byte) 1);
            }
            case "embedding" -> {
                try (Tensor f32 = Tensor.rand(1, DType.F32, 32000, 4096)) {
                    table = f32.to(DType.BF16);
                }
                try (Tensor uniform = Tensor.rand(2, DType.F64, 4096); Tensor scaled = Ops.mul(uniform, 32000)) {
                    ids = scaled.to(DType.I64);
                }
            }
            case "cat" -> {
                top = Tensor.randn(3, DType.BF16, 2048, 4096);
                bottom = Tensor.randn(4, DType.BF16, 2048, 4096);
            }
            case "catLast" -> {
                left = Tensor.randn(3, DType.BF16, 4096, 2048);
                right = Tensor.randn(4, DType.BF16, 4096, 2048);
            }
            case "copyFrom" -> {
                cache = Tensor.zeros(DType.BF16, 32, 8192, 128);
                k = Tensor.randn(5, DType.BF16, 32, 4096, 128);
            }
            case "rotary", "rotaryInterleaved" -> {
                k = Tensor.randn(5, DType.BF16, 32, 4096, 128);
                try (Tensor angles = Tensor.rand(6, DType.F32, 4096, 64); Tensor c = Ops.cos(angles); Tensor s = Ops.sin(angles)) {
                    cos = c.to(DType.BF16);
                    sin = s.to(DType.BF16);
                }
            }
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
    }

    @Benchmark
    public long run() {
        switch (op) {
            case "copy" -> {
                return yardstick.copy();
            }
            case "copyInPieces" -> {
                return yardstick.copyInPieces(PIECE);
            }
            case "copyColdInPieces" -> {
                return yardstick.copyInPieces(coldSource, coldCalls++ % COLD_WINDOWS * BYTES, PIECE);
            }
            case "copyFrom" -> {
                try (Tensor window = cache.narrow(1, 0, 4096)) {
                    window.copyFrom(k);
                }
                return BYTES;
            }
            default -> {
                try (Tensor out = switch (op) {
                    case "embedding" -> Ops.embedding(table, ids);
                    case "cat" -> Ops.cat(0, top, bottom);
                    case "catLast" -> Ops.cat(-1, left, right);
                    case "rotary" -> Ops.rotaryEmbedding(k, cos, sin, false);
                    case "rotaryInterleaved" -> Ops.rotaryEmbedding(k, cos, sin, true);
                    default -> throw new IllegalArgumentException("unknown op " + op);
                }) {
                    return out.numel();
                }
            }
        }
    }

    /** The copy, then the case, each timed ({@link CopyBeside}). */
    @Benchmark
    public long besideCopy(CopyBeside beside) throws InterruptedException {
        return beside.time(yardstick, this::run);
    }

    @TearDown
    public void tearDown() {
        for (Tensor t : new Tensor[] {table, ids, top, bottom, left, right, cache, k, cos, sin}) {
            if (t != null) {
                t.close();
            }
        }
        yardstick.close();
        if (coldArena != null) {
            coldArena.close();
        }
    }
}
