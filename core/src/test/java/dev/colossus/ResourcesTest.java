package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.op.Op;
import dev.colossus.op.Softmax;
import dev.colossus.op.Unary;
import dev.colossus.reference.ReferenceKernels;
import dev.colossus.spi.HostBackend;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Storage;
import dev.colossus.testkit.RecordingBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** Storage is freed exactly when its last handle goes: by close, by a scope, or by the cleaner. */
@Isolated
class ResourcesTest {

    @Test
    void closingTheLastHandleFreesTheStorage() {
        Tensor x = Tensor.zeros(DType.F32, 100);
        Tensor view = x.reshape(10, 10);
        Storage storage = x.operand().storage();
        x.close();
        assertFalse(storage.isFreed());
        view.close();
        assertTrue(storage.isFreed());
        assertTrue(view.isClosed());
    }

    @Test
    void aScopeClosesWhatWasMadeInsideExceptWhatItKeeps() {
        RecordingBackend cpu = new RecordingBackend(Backends.forDevice(Device.CPU));
        Tensor kept;
        Tensor dropped;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                dropped = Backends.using(cpu, () -> Ops.add(Tensor.ones(DType.F32, 3), 1));
                kept = inner.keep(Backends.using(cpu, () -> Ops.mul(dropped, 2)));
            }
            assertTrue(dropped.isClosed());
            assertFalse(kept.isClosed());
            assertEquals(4, kept.select(0, 0).item());
        }
        assertTrue(kept.isClosed());
        assertEquals(0, cpu.liveStorages(), "of " + cpu.allocations());
    }

    @Test
    void aTensorsSegmentThrowsOnceItsStorageIsFreedNeverReadsFreedMemory() {
        Tensor t = Tensor.full(1, DType.F32, 16L << 20);
        MemorySegment s = t.segment();
        assertEquals(1f, s.get(ValueLayout.JAVA_FLOAT, 4L << 20));
        t.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_FLOAT, 4L << 20));
        assertThrows(IllegalStateException.class, () -> s.set(ValueLayout.JAVA_FLOAT, 0, -1f));
    }

    @Test
    void aStaleSegmentCannotWriteIntoTheTensorThatReusesItsBlock() {
        Tensor first = Tensor.full(7, DType.F32, 1L << 20);
        MemorySegment stale = first.segment();
        first.close();
        try (Tensor second = Tensor.full(7, DType.F32, 1L << 20)) {
            assertThrows(IllegalStateException.class, () -> stale.set(ValueLayout.JAVA_FLOAT, 0, -1f));
            try (Tensor element = second.select(0, 0)) {
                assertEquals(7, element.item());
            }
        }
    }

    @Test
    void aSegmentStaysValidWhileAnyViewOfItsStorageIsOpen() {
        Tensor x = Tensor.arange(0, 12, 1, DType.F32);
        Tensor matrix = x.reshape(3, 4);
        Tensor view = matrix.transpose(0, 1);
        MemorySegment s = view.segment();
        x.close();
        matrix.close();
        assertEquals(5f, s.get(ValueLayout.JAVA_FLOAT, 4L * (view.offset() + view.strides()[0] + view.strides()[1])));
        s.set(ValueLayout.JAVA_FLOAT, 0, 42f);
        try (Tensor row = view.select(0, 0); Tensor first = row.select(0, 0)) {
            assertEquals(42, first.item());
        }
        view.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_FLOAT, 0));
        assertThrows(IllegalStateException.class, view::segment);
    }

    @Test
    void aWrappedTensorsSegmentIsTheCallersOwn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mine = arena.allocate(16);
            try (Tensor t = Tensor.wrap(mine, DType.F32, 4)) {
                assertSame(mine, t.segment());
            }
            mine.set(ValueLayout.JAVA_FLOAT, 0, 1f);
        }
    }

    @Test
    void aScopeHoldsOnlyTheTensorsStillOpenNotClosedOnesOrTemporaries() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.ones(DType.F32, 4);
            for (int i = 0; i < 1000; i++) {
                Ops.add(x, 1).close();
                Ops.mean(x.reshape(2, 2).transpose(0, 1), 0).close();
            }
            assertEquals(1 + 2000, scope.size(), "x, and each loop's two views closed only by the scope");
            Tensor kept;
            try (Scope inner = Scope.open()) {
                kept = inner.keep(Ops.exp(x));
                assertEquals(0, inner.size());
            }
            assertEquals(2002, scope.size());
            kept.close();
            assertEquals(2001, scope.size());
        }
    }

    @Test
    void scopesCloseInnermostFirst() {
        Scope outer = Scope.open();
        Scope inner = Scope.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }

    @Test
    void theCleanerFreesWhatIsForgotten() throws InterruptedException {
        List<MemorySegment> forgotten = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            forgotten.add(Tensor.zeros(DType.F32, 1000).segment());
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (forgotten.stream().anyMatch(s -> s.scope().isAlive()) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, forgotten.stream().filter(s -> s.scope().isAlive()).count(), "storages not yet freed");
    }

    @Test
    void aFailingKernelLeaksNothingAndIsNotRetriedElsewhere() {
        RecordingBackend failing = new RecordingBackend(Backends.get("reference")) {
            @Override
            public void execute(Op op) {
                if (op instanceof dev.colossus.op.Unary) {
                    throw new IllegalStateException("kernel fault in " + op.name());
                }
                super.execute(op);
            }
        };
        try (Tensor x = Tensor.ones(DType.F32, 8)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Backends.using(failing, () -> Ops.exp(x)));
            assertEquals("kernel fault in exp", e.getMessage());
            assertEquals(1, failing.allocations());
            assertEquals(0, failing.liveStorages());
        }
    }

    /**
     * What the cleaner does to an argument that became unreachable (a temporary such as
     * {@code exp(Tensor.zeros(...))}) when the op's own allocation sets off a collection, and what a
     * close on another thread does: release the argument's handle while the op is under way. The op
     * holds what it reads from before it allocates, so it still reads the values.
     */
    @Test
    void anArgumentReleasedWhileItsOpAllocatesIsStillReadByTheOp() {
        Tensor x = Tensor.ones(DType.F32, 8);
        Backend releasing = new RecordingBackend(Backends.get("reference")) {
            @Override
            public Storage allocate(long bytes) {
                x.close();
                return super.allocate(bytes);
            }
        };
        Storage xs = x.operand().storage();
        try (Tensor y = Backends.using(releasing, () -> Ops.exp(x))) {
            assertArrayEquals(new float[] {(float) Math.E, (float) Math.E, (float) Math.E, (float) Math.E,
                    (float) Math.E, (float) Math.E, (float) Math.E, (float) Math.E}, y.toFloatArray());
            assertTrue(xs.isFreed(), "x freed once the op ended");
        }
    }

    /** A kernel fails, then freeing its output fails too (as on a GPU whose context a fault has lost). */
    @Test
    void theKernelsExceptionIsThrownAndAFailingFreeIsSuppressedInIt() {
        Backend failing = new RecordingBackend(Backends.get("reference")) {
            @Override
            public Storage allocate(long bytes) {
                return new Storage(Device.CPU, bytes) {
                    @Override
                    protected void free() {
                        throw new IllegalStateException("free after the fault");
                    }
                };
            }

            @Override
            public void execute(Op op) {
                throw new IllegalStateException("kernel fault in " + op.name());
            }
        };
        try (Tensor x = Tensor.ones(DType.F32, 8)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.using(failing, () -> Ops.exp(x)));
            assertEquals("kernel fault in exp", e.getMessage());
            assertEquals("free after the fault", e.getSuppressed()[0].getMessage());
        }
    }

    @Test
    void anUnsupportedOpWithoutARewriteIsRefusedNotMoved() {
        HostBackend refusing = new HostBackend() {
            @Override
            public String name() {
                return "refusing";
            }

            @Override
            public boolean supports(Op op) {
                return false;
            }

            @Override
            public void execute(Op op) {
                throw new AssertionError("never called");
            }
        };
        try (Tensor x = Tensor.ones(DType.F32, 2, 2)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Backends.using(refusing, () -> Ops.matmul(x, x)));
            assertEquals("matmul: the 'refusing' backend supports neither this op nor a rewrite of it, on "
                    + "(2,2) F32 cpu, (2,2) F32 cpu -> (2,2) F32 cpu", e.getMessage());
        }
    }

    /** A rewrite whose step the backend refuses names the op the user called, then the step. */
    @Test
    void aRefusedStepOfARewriteNamesTheOpCalled() {
        HostBackend noUnary = new HostBackend() {
            @Override
            public String name() {
                return "no-unary";
            }

            @Override
            public boolean supports(Op op) {
                return !(op instanceof Unary) && !(op instanceof Softmax);
            }

            @Override
            public void execute(Op op) {
                ReferenceKernels.execute(op);
            }
        };
        try (Tensor x = Tensor.ones(DType.F32, 2, 3)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Backends.using(noUnary, () -> Ops.softmax(x, -1)));
            assertEquals("softmax: the 'no-unary' backend runs it as a rewrite, and a step of that failed: exp: the 'no-unary' "
                    + "backend supports neither this op nor a rewrite of it, on (2,3) F32 cpu -> (2,3) F32 cpu", e.getMessage());
        }
    }

    @Test
    void usingSetsTheBackendOnlyInsideItsBody() {
        Backends.using(Backends.get("reference"), () -> assertSame(Backends.get("reference"),
                Backends.forDevice(Device.CPU)));
        assertTrue(Backends.describe().contains("reference"));
    }
}
