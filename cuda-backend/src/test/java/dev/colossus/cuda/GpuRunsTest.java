package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.op.Attention;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Without -Dcolossus.cuda.unvalidatedKernels=true (as in these tests), only modules that passed on a GPU load or are chosen. */
class GpuRunsTest {
    private static final Path COMMITTED = Path.of("src/main/resources/dev/colossus/cuda/ptx");

    @Test
    void aModuleLoadsOnlyWithTheBytesThatPassed() throws IOException {
        assertFalse(CudaOptions.AT_START.unvalidatedKernels());
        byte[] attention = Files.readAllBytes(COMMITTED.resolve("attention.ptx"));
        assertNotNull(GpuRuns.passed("attention", attention));
        GpuRuns.checkMayLoad("attention", attention);
        attention[attention.length - 2] ^= 1;
        assertNull(GpuRuns.passed("attention", attention));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GpuRuns.checkMayLoad("attention", attention));
        assertEquals("attention.ptx has not passed on a GPU (see /dev/colossus/cuda/ptx/gpu-runs.md in colossus-cuda); "
                + "-Dcolossus.cuda.unvalidatedKernels=true runs it anyway", e.getMessage());
    }

    @Test
    void kernelsThatNeverRanAreNeitherLoadedNorChosen() throws IOException {
        for (String module : new String[] {"attention.unvalidated", "attention_sm90a.unvalidated", "gemm_sm90a.unvalidated",
                "gemm_pingpong_sm90a"}) {
            byte[] ptx = Files.readAllBytes(COMMITTED.resolve(module + ".ptx"));
            assertTrue(GpuRuns.recorded(module, ptx), module);
            assertThrows(IllegalStateException.class, () -> GpuRuns.checkMayLoad(module, ptx), module);
        }
        assertEquals("attention", GpuRuns.module("attention"));
        assertEquals("gemm_sm90a", GpuRuns.module("gemm_sm90a"));
    }

    /** Only the unvalidated attention kernels write log-sum-exps: asked for them, attention is composed. */
    @Test
    void attentionWithItsLogSumExpsIsNotFused() {
        Operand q = host(DType.BF16, 1, 2, 64, 64), kv = host(DType.BF16, 1, 2, 64, 64), out = host(DType.BF16, 1, 2, 64, 64);
        Operand lse = host(DType.F32, 1, 2, 64);
        assertFalse(FusedAttention.accepts(new Attention(q, kv, kv, null, false, 0.125, out, lse)));
    }

    private static Operand host(DType dtype, long... shape) {
        byte[] memory = new byte[Math.toIntExact(Shape.of(shape).numel() * dtype.byteSize())];
        return Operand.contiguous(HostStorage.wrap(MemorySegment.ofArray(memory)), dtype, Shape.of(shape));
    }
}
