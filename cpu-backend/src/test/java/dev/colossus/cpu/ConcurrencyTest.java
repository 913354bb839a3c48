package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.colossus.AttentionOptions;
import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.cpu.matmul.PackingBuffers;
import dev.colossus.cpu.parallel.CpuParallel;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.RecordingBackend;
import dev.colossus.testkit.SuiteLength;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Many threads on one CPU backend: ops on shared read-only inputs from platform and virtual threads
 * give the single-threaded results bit for bit (attention within 1e-5); a tensor closed by one thread while another uses it
 * gives that thread a clear exception; packing buffers are per running product, not per thread.
 * {@code -Dcolossus.test.long=true} runs each for longer.
 */
@Tag("suite")
class ConcurrencyTest {
    private static final int THREADS = 8;
    /**
     * Attention's index in {@link #OPS}: compared within 1e-5, since its exponentials may move in their
     * last bit while the kernel is being compiled (see {@code VectorRowKernels.expShifted}).
     */
    private static final int ATTENTION = 6;

    /** The ops each thread mixes, over inputs every thread shares. */
    private static final List<Function<Tensor[], Tensor>> OPS = List.of(
            t -> Ops.matmul(t[0], t[1]),
            t -> Ops.linear(t[0], t[1], t[2], dev.colossus.op.UnaryFn.GELU),
            t -> Ops.softmax(t[0], -1),
            t -> Ops.rmsNorm(t[0], t[2], 1e-6),
            t -> Ops.add(Ops.exp(t[0]), t[1]),
            t -> Ops.sum(t[1], 0),
            t -> Ops.scaledDotProductAttention(t[3], t[3], t[3], AttentionOptions.defaults().causal(true)),
            t -> Ops.mean(t[0].transpose(0, 1), 1));

    @Test
    void platformAndVirtualThreadsMixingOpsGetTheSingleThreadedResults() throws Exception {
        try (Scope scope = Scope.open()) {
            Tensor[] inputs = {Generators.tensor(1, DType.F32, 96, 96), Generators.tensor(2, DType.BF16, 96, 96).to(DType.F32),
                    Generators.tensor(3, DType.F32, 96), Generators.tensor(4, DType.F32, 2, 4, 40, 32)};
            List<float[]> expected = OPS.stream().map(op -> {
                try (Scope s = Scope.open()) {
                    return op.apply(inputs).toFloatArray();
                }
            }).toList();
            int rounds = SuiteLength.of(40, 2000);
            for (ExecutorService executor : List.of(Executors.newFixedThreadPool(THREADS),
                    Executors.newVirtualThreadPerTaskExecutor())) {
                try (executor) {
                    List<Future<?>> done = new ArrayList<>();
                    for (int thread = 0; thread < THREADS; thread++) {
                        int first = thread;
                        done.add(executor.submit(() -> {
                            for (int round = 0; round < rounds; round++) {
                                int which = (first + round) % OPS.size();
                                try (Scope s = Scope.open()) {
                                    float[] result = OPS.get(which).apply(inputs).toFloatArray();
                                    if (which == ATTENTION) {
                                        assertArrayEquals(expected.get(which), result, 1e-5f, "attention in round " + round);
                                    } else {
                                        assertArrayEquals(expected.get(which), result, "op " + which + " in round " + round);
                                    }
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : done) {
                        f.get();
                    }
                }
            }
        }
    }

    /**
     * One thread closes a tensor while another runs ops on it, over and over: each op either ran on the
     * live storage or threw {@link IllegalStateException} saying the tensor is closed; the user's loop
     * ends at the first refusal, which must come once the closer has closed, and nothing leaks.
     */
    @Test
    void aTensorClosedWhileAnotherThreadUsesItGivesThatThreadAClearException() throws Exception {
        int races = SuiteLength.of(500, 20_000);
        RecordingBackend cpu = new RecordingBackend(Backends.get("cpu"));
        try (ExecutorService executor = Executors.newFixedThreadPool(2)) {
            for (int race = 0; race < races; race++) {
                Tensor x = Backends.using(cpu, () -> Tensor.rand(7, DType.F32, 64, 64));
                Tensor view = x.transpose(0, 1);
                CountDownLatch start = new CountDownLatch(1);
                Future<Integer> user = executor.submit(() -> {
                    start.await();
                    for (int ops = 0; ops < 1_000_000; ops++) {
                        try (Tensor y = Backends.using(cpu, () -> Ops.matmul(view, view)); Tensor z = Ops.softmax(y, -1)) {
                            assertEquals(64, z.size(0));
                        } catch (IllegalStateException e) {
                            assertTrue(e.getMessage().contains("closed"), e.getMessage());
                            return ops;
                        }
                    }
                    return -1;
                });
                Future<?> closer = executor.submit(() -> {
                    start.await();
                    view.close();
                    x.close();
                    return null;
                });
                start.countDown();
                closer.get();
                assertTrue(user.get() >= 0, "race " + race + ": the closed tensor was never refused");
            }
        }
        assertEquals(0, cpu.liveStorages(), "of " + cpu.allocations() + " storages");
    }

    /**
     * 256 virtual threads each multiply 512 x 512 matrices and stay alive: their packing buffers go back
     * to a pool of at most one set per core when each product ends. Kept per thread, they would be
     * 2.5 MB each, 640 MB of heap.
     */
    @Test
    void packingBuffersLiveAsLongAsAProductNotAsLongAsItsThread() throws Exception {
        int threads = 256;
        try (Tensor a = Tensor.rand(1, DType.F32, 512, 512); Tensor b = Tensor.rand(2, DType.F32, 512, 512)) {
            long before = heapAfterCollection();
            CountDownLatch multiplied = new CountDownLatch(threads), release = new CountDownLatch(1);
            try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < threads; i++) {
                    executor.submit(() -> {
                        Ops.matmul(a, b).close();
                        multiplied.countDown();
                        release.await();
                        return null;
                    });
                }
                multiplied.await();
                long grown = heapAfterCollection() - before;
                release.countDown();
                assertTrue(grown < 64L << 20, "heap grew by " + grown + " bytes with " + threads + " threads alive");
                assertTrue(PackingBuffers.pooled() <= CpuParallel.THREADS, PackingBuffers.pooled() + " sets pooled");
            }
        }
    }

    /** A task that runs out of memory fails its job with that error; the workers live on and run the next job. */
    @Test
    void aTaskThatRunsOutOfMemoryFailsItsJobAndTheWorkersLiveOn() {
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> CpuParallel.forEach(64, task -> {
            if (task == 33) {
                throw new OutOfMemoryError("task 33");
            }
        }));
        assertEquals("task 33", e.getMessage());
        AtomicInteger ran = new AtomicInteger();
        CpuParallel.forEach(64, task -> ran.incrementAndGet());
        assertEquals(64, ran.get());
        try (Tensor x = Tensor.rand(3, DType.F32, 300, 300); Tensor y = Ops.matmul(x, x)) {
            assertEquals(300, y.size(1));
        } catch (RuntimeException unexpected) {
            fail(unexpected);
        }
    }

    private static long heapAfterCollection() {
        System.gc();
        return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    }
}
