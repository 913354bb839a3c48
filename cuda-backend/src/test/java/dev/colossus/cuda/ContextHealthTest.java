package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.Device;
import org.junit.jupiter.api.Test;

/** A failure that loses the context is kept, first one first, and every later call names it; others pass through. */
class ContextHealthTest {
    private static final int ILLEGAL_ADDRESS = 700, LAUNCH_FAILED = 719, INVALID_VALUE = 1;

    @Test
    void theDocumentedStickyErrorsLoseTheContextOthersDoNot() {
        for (int code : new int[] {700, 702, 710, 714, 715, 716, 717, 718, 719}) {
            assertTrue(CudaException.losesContext(code), "CUresult " + code);
        }
        for (int code : new int[] {0, 1, 2, 98, 200, 701, 720, 999}) {
            assertFalse(CudaException.losesContext(code), "CUresult " + code);
        }
    }

    @Test
    void anOrdinaryFailurePassesThroughAndTheContextStaysUsable() {
        ContextHealth health = new ContextHealth(Device.cuda(0));
        CudaException invalid = new CudaException("cuLaunchKernel failed: CUDA_ERROR_INVALID_VALUE", INVALID_VALUE);
        assertSame(invalid, health.failed("add", invalid));
        assertFalse(health.isLost());
        health.checkUsable("mul");
    }

    @Test
    void theFirstFailureThatLosesTheContextIsTheCauseOfEveryLaterOne() {
        ContextHealth health = new ContextHealth(Device.cuda(0));
        CudaException fault = new CudaException("a CUDA operation issued up to copy failed: CUDA_ERROR_ILLEGAL_ADDRESS",
                ILLEGAL_ADDRESS);
        CudaException first = health.failed("synchronize after copy", fault);
        assertInstanceOf(CudaContextLostException.class, first);
        assertSame(fault, first.getCause());
        assertEquals(ILLEGAL_ADDRESS, first.code());
        assertTrue(first.getMessage().startsWith("synchronize after copy: a CUDA operation issued up to copy failed"),
                first.getMessage());
        assertTrue(health.isLost());

        CudaContextLostException later = assertThrows(CudaContextLostException.class, () -> health.checkUsable("add"));
        assertSame(first, later.getCause());
        assertTrue(later.getMessage().startsWith("add: cuda:0 is unusable since an earlier CUDA failure"), later.getMessage());

        CudaException onTheCleanersThread = new CudaException("cuMemFreeAsync failed: CUDA_ERROR_LAUNCH_FAILED", LAUNCH_FAILED);
        CudaException second = health.failed("freeing 64 bytes on Common-Cleaner", onTheCleanersThread);
        assertSame(first, second.getCause(), "the first failure stays the cause");
        assertSame(onTheCleanersThread, second.getSuppressed()[0]);
        assertSame(first, health.failed("mul", first), "a lost-context exception passes through as it is");
    }
}
