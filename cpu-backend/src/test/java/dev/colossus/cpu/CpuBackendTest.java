package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.cpu.simd.Simd;
import dev.colossus.testkit.RecordingBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** How the CPU backend is found, chosen and configured. */
class CpuBackendTest {

    @Test
    void isChosenForHostTensorsAndRunsAtTheRequestedWidth() {
        assertEquals("cpu", Backends.forDevice(Device.CPU).name());
        String requested = System.getProperty(Simd.PROPERTY);
        if (requested != null) {
            assertEquals(Integer.parseInt(requested), Simd.BITS);
        }
        String description = Backends.describe();
        assertTrue(description.contains("cpu ops run on: cpu (highest priority available)"), description);
        assertTrue(description.contains(Simd.BITS == 0 ? "scalar kernels" : "Vector API, " + Simd.BITS + "-bit"),
                description);
    }

    @Test
    void theOverridePropertyChoosesTheReferenceBackend() {
        System.setProperty(Backends.PROPERTY, "reference");
        try {
            assertEquals("reference", Backends.forDevice(Device.CPU).name());
            assertTrue(Backends.describe().contains("cpu ops run on: reference (requested by"));
        } finally {
            System.clearProperty(Backends.PROPERTY);
        }
        assertEquals("cpu", Backends.forDevice(Device.CPU).name());
    }

    @Test
    void kernelsRunInParallelFromInsideThePoolWithoutDeadlock() {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.randn(1, DType.F32, 300, 300);
            Tensor expected = Ops.matmul(a, a);
            float[][] results = new float[8][];
            java.util.stream.IntStream.range(0, 8).parallel().forEach(i -> {
                try (Tensor c = Ops.matmul(a, a)) {
                    results[i] = c.toFloatArray();
                }
            });
            for (float[] r : results) {
                assertTrue(java.util.Arrays.equals(expected.toFloatArray(), r));
            }
        }
    }

    @Test
    void opsLeaveNoHostMemoryBehind() {
        RecordingBackend cpu = new RecordingBackend(Backends.get("cpu"));
        try (Scope scope = Scope.open()) {
            Backends.using(cpu, () -> {
                Tensor x = Tensor.randn(3, DType.BF16, 2, 4, 64, 32);
                Ops.scaledDotProductAttention(x, x, x);
                Ops.softmax(Ops.matmul(x, x.transpose(-1, -2)), -1);
                Ops.layerNorm(x, new long[] {32}, null, null, 1e-5);
                Ops.sum(x, 1);
            });
        }
        assertTrue(cpu.allocations() > 5);
        assertEquals(0, cpu.liveStorages());
    }

    /** Ops big enough for the worker threads run on the owner's thread when an operand is confined to it. */
    @Test
    void tensorsOverAConfinedArenaRunOnTheOwnersThread() {
        try (Arena arena = Arena.ofConfined(); Scope scope = Scope.open()) {
            MemorySegment memory = arena.allocate(4L << 20, 64);
            Tensor random = Tensor.rand(5, DType.F32, 1 << 20);
            memory.copyFrom(random.segment());
            Tensor x = Tensor.wrap(memory, DType.F32, 1 << 20);
            Tensor copy = x.copy();
            assertArrayEquals(Ops.exp(copy).toFloatArray(), Ops.exp(x).toFloatArray());
            Tensor square = x.view(1024, 1024), squareCopy = copy.view(1024, 1024);
            assertArrayEquals(Ops.matmul(squareCopy, squareCopy).toFloatArray(), Ops.matmul(square, square).toFloatArray());
            assertArrayEquals(Ops.softmax(squareCopy, -1).toFloatArray(), Ops.softmax(square, -1).toFloatArray());
        }
    }
}
