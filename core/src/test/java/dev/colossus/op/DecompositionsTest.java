package dev.colossus.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.spi.HostStorage;
import dev.colossus.spi.Operand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The rewrites a backend gets for ops it does not support: which ops they issue. */
class DecompositionsTest {
    /** Records the ops a rewrite runs; its temporaries are host memory. */
    private final class Recorder implements OpExecutor {
        final List<Op> ops = new ArrayList<>();

        @Override
        public Operand temporary(DType dtype, Shape shape) {
            return operand(dtype, shape.dims());
        }

        @Override
        public void execute(Op op) {
            ops.add(op);
        }
    }

    private final List<Operand> made = new ArrayList<>();

    private Operand operand(DType dtype, long... dims) {
        Shape shape = Shape.of(dims);
        Operand o = Operand.contiguous(HostStorage.allocate(shape.numel() * dtype.byteSize()), dtype, shape);
        made.add(o);
        return o;
    }

    @AfterEach
    void release() {
        made.forEach(o -> o.storage().release());
    }

    @Test
    void aBf16ConcatIsNotWidenedButRunAsOneCopyAPart() {
        Concat cat = new Concat(List.of(operand(DType.BF16, 2, 3), operand(DType.BF16, 2, 5)), 1, operand(DType.BF16, 2, 8));
        Recorder widen = new Recorder();
        assertFalse(Decompositions.widen(cat, widen), "a concatenation moves values; it has no arithmetic to widen");
        assertEquals(List.of(), widen.ops);
        Recorder decompose = new Recorder();
        assertTrue(Decompositions.decompose(cat, decompose));
        assertEquals(2, decompose.ops.size());
        for (int p = 0; p < 2; p++) {
            Copy copy = (Copy) decompose.ops.get(p);
            assertEquals(cat.parts().get(p), copy.src());
            assertEquals(cat.parts().get(p).shape(), copy.out().shape());
            assertEquals(p == 0 ? 0 : 3, copy.out().offset());
        }
    }
}
