package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Scope;
import dev.colossus.Tensor;
import dev.colossus.spi.HostStorage;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.TensorAssert;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensors over memory the caller wraps, read and written by ops on the CPU backend, whose vector kernels
 * take plain native segments only ({@code NativeSegments.exact} throws on others, so an op that reached
 * one with other memory fails here). A Java array's memory is copied around the op ({@link
 * HeapOperands}): each sequence of writes below leaves the array holding what the same writes leave in
 * native memory, element for element, and nothing outside the written view changes. A mapped file's
 * segment is read in place through a plain segment over the same memory ({@code HostStorage.segment()}),
 * which keeps the file's scope and its read-only flag.
 */
class WrappedMemoryTest {
    private static final int ROWS = 6, COLUMNS = 37;

    @Test
    void writesIntoViewsLandInTheArrayAsInNativeMemory() {
        assertWritesAsNative("a run of rows", t -> t.narrow(0, 2, 3).copyFrom(Generators.tensor(1, DType.F32, 3, COLUMNS)));
        assertWritesAsNative("columns of a transpose", t -> t.transpose(0, 1).narrow(0, 1, 30).fill(7));
        assertWritesAsNative("every other column, cast from BF16",
                t -> t.slice(1, 1, COLUMNS, 2).copyFrom(Generators.tensor(2, DType.BF16, ROWS, COLUMNS / 2)));
        assertWritesAsNative("rows from rows of the same array", t -> t.narrow(0, 0, 3).copyFrom(t.narrow(0, 3, 3)));
        assertWritesAsNative("columns from overlapping columns of the same array",
                t -> t.narrow(1, 0, 30).copyFrom(t.narrow(1, 5, 30)));
    }

    @Test
    void opsReadViewsOfOneArray() {
        float[] array = new float[ROWS * COLUMNS];
        try (Scope scope = Scope.open()) {
            Tensor heap = Tensor.wrap(MemorySegment.ofArray(array), DType.F32, ROWS, COLUMNS);
            heap.copyFrom(Generators.tensor(3, DType.F32, ROWS, COLUMNS));
            Tensor copy = heap.contiguous();
            TensorAssert.assertExact("sum of two halves", Ops.add(copy.narrow(0, 0, 3), copy.narrow(0, 3, 3)),
                    Ops.add(heap.narrow(0, 0, 3), heap.narrow(0, 3, 3)));
            TensorAssert.assertExact("product with its transpose", Ops.matmul(copy, copy.transpose(0, 1)),
                    Ops.matmul(heap, heap.transpose(0, 1)));
            TensorAssert.assertExact("softmax of a strided view", Ops.softmax(copy.slice(1, 1, COLUMNS, 3), -1),
                    Ops.softmax(heap.slice(1, 1, COLUMNS, 3), -1));
        }
    }

    /** BF16 values from byte 2 of an array, cast into F32 further along it: one copy of the array for both. */
    @Test
    void operandsOfTwoDtypesOverOneArray() {
        int n = 40;
        float[] array = new float[2 * n + 1];
        try (Scope scope = Scope.open()) {
            MemorySegment memory = MemorySegment.ofArray(array);
            Tensor bf16 = Tensor.wrap(memory.asSlice(2, 2L * n), DType.BF16, n);
            Tensor f32 = Tensor.wrap(memory.asSlice(4L * (n + 1), 4L * n), DType.F32, n);
            Tensor values = Generators.tensor(6, DType.BF16, n);
            bf16.copyFrom(values);
            f32.copyFrom(bf16);
            TensorAssert.assertExact("F32 from BF16 in one array", values.to(DType.F32), f32);
        }
    }

    @Test
    void stagingFreesItsCopies() {
        float[] array = new float[ROWS * COLUMNS];
        try (Scope scope = Scope.open()) {
            Tensor heap = Tensor.wrap(MemorySegment.ofArray(array), DType.F32, ROWS, COLUMNS);
            Tensor x = Generators.tensor(4, DType.F32, ROWS, COLUMNS);
            long before = HostStorage.liveAllocations();
            for (int i = 0; i < 100; i++) {
                heap.copyFrom(x);
                Ops.exp(heap).close();
            }
            assertEquals(before, HostStorage.liveAllocations(), "live host allocations after 100 staged ops");
        }
    }

    @Test
    void mappedFilesAreReadAndWrittenInPlace(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("values.bin");
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Scope scope = Scope.open()) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4L * ROWS * COLUMNS, arena);
            Tensor t = Tensor.wrap(mapped, DType.F32, ROWS, COLUMNS);
            assertTrue(t.segment().isMapped(), "the tensor hands back the caller's mapped segment");
            Tensor values = Generators.tensor(7, DType.F32, ROWS, COLUMNS);
            t.copyFrom(values);
            assertArrayEquals(values.toFloatArray(), mapped.toArray(ValueLayout.JAVA_FLOAT), "the file holds what was written");
            TensorAssert.assertExact("softmax of the mapped values", Ops.softmax(values, -1), Ops.softmax(t, -1));
            TensorAssert.assertExact("their product with a transpose", Ops.matmul(values, values.transpose(0, 1)),
                    Ops.matmul(t, t.transpose(0, 1)));
            Tensor constant = Tensor.wrapConstant(channel.map(FileChannel.MapMode.READ_ONLY, 0, 4L * ROWS * COLUMNS, arena),
                    DType.F32, ROWS, COLUMNS);
            TensorAssert.assertExact("an RMS norm by a mapped weight row", Ops.rmsNorm(values, values.narrow(0, 0, 1).view(COLUMNS), 1e-5),
                    Ops.rmsNorm(values, constant.narrow(0, 0, 1).view(COLUMNS), 1e-5));
            assertThrows(UnsupportedOperationException.class, () -> constant.fill(0), "a read-only mapping stays read-only");
        }
    }

    @Test
    void aClosedArenasMappingThrowsInsteadOfCrashing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("closed.bin");
        Tensor t;
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            t = Tensor.wrap(channel.map(FileChannel.MapMode.READ_WRITE, 0, 4L * ROWS * COLUMNS, arena), DType.F32, ROWS, COLUMNS);
        }
        try (t) {
            assertThrows(IllegalStateException.class, () -> Ops.exp(t).close());
        }
    }

    /** {@code writes} on a tensor over a Java array and on one in native memory, both starting from the same values. */
    private static void assertWritesAsNative(String context, Consumer<Tensor> writes) {
        float[] array = new float[ROWS * COLUMNS];
        try (Scope scope = Scope.open()) {
            Tensor start = Generators.tensor(5, DType.F32, ROWS, COLUMNS);
            Tensor heap = Tensor.wrap(MemorySegment.ofArray(array), DType.F32, ROWS, COLUMNS);
            Tensor nativeTensor = Tensor.zeros(DType.F32, ROWS, COLUMNS);
            heap.copyFrom(start);
            nativeTensor.copyFrom(start);
            writes.accept(heap);
            writes.accept(nativeTensor);
            assertArrayEquals(nativeTensor.toFloatArray(), array, context);
        }
    }
}
