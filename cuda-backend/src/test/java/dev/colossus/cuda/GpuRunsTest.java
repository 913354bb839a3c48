package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Without -Dcolossus.cuda.unvalidatedKernels=true, only modules that passed on a GPU load or are chosen;
 * with it there is no gate to test, and these tests are skipped.
 */
class GpuRunsTest {
    private static final Path COMMITTED = Path.of("src/main/resources/dev/colossus/cuda/ptx");

    @BeforeAll
    static void withTheGate() {
        assumeFalse(CudaOptions.AT_START.unvalidatedKernels(), "-Dcolossus.cuda.unvalidatedKernels=true lifts the gate these tests check");
    }

    @Test
    void aModuleLoadsOnlyWithTheBytesThatPassed() throws IOException {
        byte[] attention = Files.readAllBytes(COMMITTED.resolve("attention.ptx"));
        assertNotNull(GpuRuns.passed("attention", attention));
        GpuRuns.checkMayLoad("attention", attention);
        attention[attention.length - 2] ^= 1;
        assertNull(GpuRuns.passed("attention", attention));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GpuRuns.checkMayLoad("attention", attention));
        assertEquals("attention.ptx has not passed on a GPU (see /dev/colossus/cuda/ptx/gpu-runs.md in colossus-cuda); "
                + "-Dcolossus.cuda.unvalidatedKernels=true runs it anyway", e.getMessage());
    }

    /** The sm_80 SASS has not run on a GPU: recorded, never loaded; the sm_90 and sm_90a builds passed and load. */
    @Test
    void sassLoadsOnlyWhereItPassed() throws IOException {
        for (String file : new String[] {"attention.sm_80.cubin", "gemm.sm_80.cubin", "topk.sm_80.cubin"}) {
            byte[] cubin = Files.readAllBytes(COMMITTED.resolve(file));
            assertTrue(GpuRuns.recordedFile(file, cubin), file);
            assertFalse(GpuRuns.mayLoad(file, cubin), file);
        }
        for (String file : new String[] {"attention.sm_90.cubin", "attention_sm90a.sm_90a.cubin", "gemm_pingpong_sm90a.sm_90a.cubin"}) {
            assertTrue(GpuRuns.mayLoad(file, Files.readAllBytes(COMMITTED.resolve(file))), file);
        }
    }
}
