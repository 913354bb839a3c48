package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.spi.Storage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the conformance suite does not cover: memory exhaustion, the staged copies' chunking, the description. */
class CudaBackendTest {
    @BeforeAll
    static void needsAGpu() {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
    }

    private static CudaBackend backend() {
        return (CudaBackend) Backends.get("cuda");
    }

    @Test
    void outOfMemorySaysHowMuchAndTheBackendStillWorks() {
        CudaBackend backend = backend();
        long tooMuch = 1L << 50;
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> backend.allocate(tooMuch));
        assertEquals(tooMuch, e.requestedBytes());
        assertTrue(e.freeBytes() > 0 && e.freeBytes() <= e.totalBytes(), e.getMessage());
        assertTrue(e.getMessage().startsWith("out of memory on cuda:0: requested " + tooMuch + " bytes"), e.getMessage());
        Storage fine = backend.allocate(1 << 20);
        fine.release();
        try (Tensor x = Tensor.arange(0, 10, 1, DType.F32).to(Device.cuda(0)); Tensor y = Ops.add(x, x)) {
            assertArrayEquals(new float[] {0, 2, 4, 6, 8, 10, 12, 14, 16, 18}, y.toFloatArray());
        }
    }

    @Test
    void copiesLongerThanTheStagingBuffersArriveWhole() {
        long n = PinnedStaging.CHUNK_BYTES / 4 * 2 + 12345;
        try (Tensor host = Tensor.arange(0, n, 1, DType.I32); Tensor device = host.to(Device.cuda(0));
             Tensor back = device.to(Device.CPU)) {
            long[] values = back.toLongArray();
            assertEquals(n, values.length);
            for (int i = 0; i < values.length; i++) {
                if (values[i] != i) {
                    assertEquals(i, values[i], "element " + i);
                }
            }
        }
    }

    @Test
    void describesTheGpuAndCublas() {
        String text = backend().describe();
        assertTrue(text.contains("sm_") && text.contains("cuBLAS "), text);
    }
}
