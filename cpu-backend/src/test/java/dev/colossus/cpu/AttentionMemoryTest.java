package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.AttentionOptions;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/** Prefill attention allocates as much at Lk = 16384 as at Lk = 1024: a key block, never the (Lq, Lk) scores. */
class AttentionMemoryTest {

    @Test
    void prefillAllocatesTheSameWhateverTheKeyLength() {
        long shortKeys = allocatedBy(1024), longKeys = allocatedBy(16384);
        // The (Lq, Lk) scores of one head at Lk = 16384 would be 512 x 16384 floats, 32 MiB.
        assertTrue(longKeys < shortKeys + (1 << 20), "Lk 1024: " + shortKeys + " bytes, Lk 16384: " + longKeys + " bytes");
    }

    /**
     * Heap bytes every thread allocates during one causal attention of 512 queries against {@code lk}
     * keys (inputs off-heap): the least of three, after warm-up, since code the JIT has not compiled
     * yet allocates as it runs (the Vector API boxes its vectors until C2 compiles them).
     */
    private static long allocatedBy(long lk) {
        try (Tensor q = Tensor.randn(1, DType.F32, 1, 2, 512, 64); Tensor k = Tensor.randn(2, DType.F32, 1, 2, lk, 64);
             Tensor v = Tensor.randn(3, DType.F32, 1, 2, lk, 64)) {
            AttentionOptions options = AttentionOptions.defaults().causal(true);
            long least = Long.MAX_VALUE;
            for (int run = 0; run < 6; run++) {
                long before = allocatedSoFar();
                Ops.scaledDotProductAttention(q, k, v, options).close();
                least = run < 3 ? least : Math.min(least, allocatedSoFar() - before);
            }
            return least;
        }
    }

    /**
     * {@code com.sun.management.ThreadMXBean.getTotalThreadAllocatedBytes()}, called reflectively: this
     * module does not read jdk.management, which the test runtime resolves all the same.
     */
    private static long allocatedSoFar() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Method total = Class.forName("com.sun.management.ThreadMXBean").getMethod("getTotalThreadAllocatedBytes");
            return (long) total.invoke(bean);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no allocation counter in this runtime", e);
        }
    }
}
