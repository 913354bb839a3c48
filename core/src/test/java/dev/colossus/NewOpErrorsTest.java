package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.colossus.io.SafeTensors;
import dev.colossus.testkit.ScopePerTest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The errors of the indexing, joining, writing, positional and ordering ops: each names the op, the
 * shapes and the dtypes, and is thrown before anything is computed or written.
 */
@ExtendWith(ScopePerTest.class)
class NewOpErrorsTest {
    private static void assertMessage(String expected, Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    private static Tensor f32(long... shape) {
        return Tensor.zeros(DType.F32, shape);
    }

    private static Tensor ids(long... values) {
        return Tensor.of(values, values.length);
    }

    @Test
    void indexing() {
        assertMessage("indexSelect: index (2) F32 cpu must be I32 or I64", () -> Ops.indexSelect(f32(3, 4), 0, f32(2)));
        assertMessage("indexSelect: indices (1,2) I64 cpu must be 0-D or 1-D (embedding takes any shape)",
                () -> Ops.indexSelect(f32(3, 4), 0, ids(1, 2).view(1, 2)));
        assertMessage("embedding: weight (3) F32 cpu must be (V, D)", () -> Ops.embedding(f32(3), ids(1)));
        assertMessage("gather: index (2) I64 cpu must have the rank of x (3,4) F32 cpu and sizes no larger outside dimension 1",
                () -> Ops.gather(f32(3, 4), 1, ids(0, 1)));
        assertMessage("scatterAdd: dtypes differ: (3,4) F32 cpu and (3,4) F64 cpu; cast one with to(DType)",
                () -> Ops.scatterAdd(f32(3, 4), 0, ids(0).view(1, 1), Tensor.zeros(DType.F64, 3, 4)));
        assertMessage("indexCopy: index (2) I64 cpu must be 1-D and src (3,4) F32 cpu the destination's shape (3,4) with dimension 0 of"
                + " index's length", () -> f32(3, 4).indexCopy(0, ids(0, 1), f32(3, 4)));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Ops.indexSelect(f32(3, 4), 1, ids(0, 9, 4)));
        assertEquals("indexSelect: index 9 at position [1] of (3) I64 cpu is out of range for size 4 (dimension 1 of (3,4) F32 cpu)",
                e.getMessage());
    }

    @Test
    void joining() {
        assertMessage("cat: needs at least one tensor", () -> Ops.cat(0));
        assertMessage("cat: (2,5) F32 cpu and (2,4) F32 cpu must have the same sizes outside dimension 0",
                () -> Ops.cat(0, f32(2, 4), f32(2, 5)));
        assertMessage("cat: dtypes differ: (2,4) F32 cpu and (2,4) BF16 cpu; cast one with to(DType)",
                () -> Ops.cat(0, f32(2, 4), Tensor.zeros(DType.BF16, 2, 4)));
        assertMessage("stack: (2,5) F32 cpu and (2,4) F32 cpu must have one shape", () -> Ops.stack(0, f32(2, 4), f32(2, 5)));
        assertMessage("stack: dimension 3 is out of range for a result of rank 3", () -> Ops.stack(3, f32(2, 4)));
        assertMessage("split: sizes [1, 2] add up to 3, not dimension 1's 4 of (2,4) F32 cpu", () -> f32(2, 4).split(1, 1, 2));
        assertMessage("chunk: the number of chunks must be positive, got 0", () -> f32(2, 4).chunk(0, 1));
    }

    @Test
    void writes(@TempDir Path dir) throws IOException {
        assertMessage("copyFrom: src (3) F32 cpu does not broadcast to the destination (2,4) F32 cpu", () -> f32(2, 4).copyFrom(f32(3)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment readOnly = arena.allocate(16).asReadOnly();
            Tensor wrapped = Tensor.wrap(readOnly, DType.F32, 4);
            Exception refused = assertThrows(UnsupportedOperationException.class, () -> wrapped.copyFrom(f32(4)));
            assertEquals("copyFrom: (4) F32 cpu wraps read-only memory (a file mapped for reading, a read-only segment); write into a"
                    + " copy() instead", refused.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> wrapped.fill(1));
            assertThrows(UnsupportedOperationException.class, () -> wrapped.indexCopy(0, ids(0), f32(1)));
        }
        Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, Map.of("w", f32(2, 2)), Map.of());
        Tensor mapped = SafeTensors.read(file).get("w");
        assertThrows(UnsupportedOperationException.class, () -> mapped.narrow(0, 0, 1).copyFrom(Tensor.ones(DType.F32, 2)));
        assertEquals(0.0, Ops.sum(mapped).item(), "the file's tensor is unchanged");
    }

    @Test
    void positionsAndOrdering() {
        assertMessage("triu: (4) F32 cpu must have at least 2 dimensions (..., M, N)", () -> Ops.triu(f32(4), 0));
        assertMessage("rotaryEmbedding: x (2,3,5) F32 cpu must be (..., L, D) with D even",
                () -> Ops.rotaryEmbedding(f32(2, 3, 5), f32(3, 2), f32(3, 2), false));
        assertMessage("rotaryEmbedding: cos (4,2) F32 cpu and sin (3,2) F32 cpu must broadcast to (2,3,2) (L, D/2) for x (2,3,4) F32 cpu",
                () -> Ops.rotaryEmbedding(f32(2, 3, 4), f32(4, 2), f32(3, 2), false));
        assertMessage("rotaryEmbedding: dtypes differ: (2,3,4) F32 cpu and (3,2) BF16 cpu; cast one with to(DType)",
                () -> Ops.rotaryEmbedding(f32(2, 3, 4), Tensor.zeros(DType.BF16, 3, 2), f32(3, 2), false));
        assertMessage("topk: k = 5 is outside [0, 4], the size of dimension 1 of (2,4) F32 cpu", () -> Ops.topk(f32(2, 4), 5, 1, true));
        assertMessage("argmin: (0) F32 cpu: cannot reduce zero elements", () -> Ops.argmin(f32(0)));
        assertMessage("clamp: min 2.0 must not exceed max 1.0", () -> Ops.clamp(f32(2), 2, 1));
        assertMessage("multinomial: (2) I64 cpu: dtype I64 is not floating point; cast with to(DType.F32)",
                () -> Ops.multinomial(ids(1, 2), 1));
        assertMessage("sin: (2) I64 cpu: dtype I64 is not floating point; cast with to(DType.F32)", () -> Ops.sin(ids(1, 2)));
    }
}
