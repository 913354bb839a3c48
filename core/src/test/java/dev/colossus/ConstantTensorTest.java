package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.io.SafeTensors;
import dev.colossus.spi.HostStorage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Constant tensors: read-only, and the forms backends derive from them made once and given back with the memory. */
class ConstantTensorTest {
    private static HostStorage storage(Tensor t) {
        return (HostStorage) t.operand().storage();
    }

    @Test
    void aConstantTensorIsReadOnlyAndAPlainWrapIsNotConstant() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(16);
            try (Tensor constant = Tensor.wrapConstant(memory, DType.F32, 2, 2); Tensor plain = Tensor.wrap(memory, DType.F32, 2, 2)) {
                assertTrue(storage(constant).isConstant());
                assertFalse(storage(plain).isConstant());
                assertThrows(UnsupportedOperationException.class, () -> constant.fill(1));
                assertThrows(UnsupportedOperationException.class, () -> constant.narrow(0, 1, 1).copyFrom(Tensor.ones(DType.F32, 2)));
                AtomicInteger made = new AtomicInteger();
                assertNull(storage(plain).derived("panels", made::incrementAndGet), "memory that may be written keeps nothing");
                assertEquals(0, made.get());
            }
        }
    }

    @Test
    void aDerivedFormIsMadeOncePerKeyAndClosedWhenTheMemoryIsFreed() {
        Tensor constant = Tensor.wrapConstant(Arena.ofAuto().allocate(16), DType.F32, 4);
        HostStorage storage = storage(constant);
        AtomicInteger made = new AtomicInteger(), closed = new AtomicInteger();
        AutoCloseable form = closed::incrementAndGet;
        assertSame(form, storage.derived("a", () -> {
            made.incrementAndGet();
            return form;
        }));
        assertSame(form, storage.derived("a", () -> {
            made.incrementAndGet();
            return form;
        }));
        assertEquals(1, made.get());
        assertNull(storage.derived("b", () -> null));
        assertEquals("again", storage.derived("b", () -> "again"), "a form not made before is tried again");
        Tensor view = constant.reshape(2, 2);
        constant.close();
        assertEquals(0, closed.get(), "a view still holds the memory");
        view.close();
        assertEquals(1, closed.get());
    }

    @Test
    void safeTensorsReadsConstantTensors(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.safetensors");
        try (Tensor w = Tensor.ones(DType.F32, 3, 2)) {
            SafeTensors.write(file, Map.of("w", w), Map.of());
        }
        try (Tensor read = SafeTensors.read(file).get("w")) {
            assertTrue(storage(read).isConstant());
        }
    }
}
