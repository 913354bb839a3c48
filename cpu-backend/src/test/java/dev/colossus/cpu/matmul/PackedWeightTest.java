package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import dev.colossus.op.UnaryFn;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A constant F32 weight's panels: packed once, bit for bit what each call would pack, given back with the weight, within the budget. */
class PackedWeightTest {
    private static Tensor constant(long seed, long... shape) {
        try (Tensor values = Tensor.randn(seed, DType.F32, shape)) {
            MemorySegment memory = Arena.ofAuto().allocate(values.numel() * 4, 64);
            values.copyTo(memory);
            return Tensor.wrapConstant(memory, DType.F32, shape);
        }
    }

    private static float[] onCpu(Supplier<Tensor> product) {
        try (Tensor out = Backends.using(Backends.get("cpu"), product)) {
            return out.toFloatArray();
        }
    }

    @Test
    void panelsKeptOnceEqualThosePackedPerCallAndGoWithTheWeight() {
        long before = DerivedBudget.heldBytes();
        // 40 rows: the packed path with or without kept panels; K 1100 crosses a 1024-deep block
        try (Tensor x = Tensor.randn(1, DType.F32, 40, 1100); Tensor bias = Tensor.randn(2, DType.F32, 97);
                Tensor weight = constant(3, 97, 1100); Tensor plain = weight.copy()) {
            float[] packedPerCall = onCpu(() -> Ops.linear(x, plain, bias, UnaryFn.GELU));
            assertEquals(before, DerivedBudget.heldBytes(), "a weight that may be written is packed per call");
            float[] first = onCpu(() -> Ops.linear(x, weight, bias, UnaryFn.GELU));
            long held = DerivedBudget.heldBytes() - before;
            assertTrue(held >= 4L * 1100 * 97, "the constant weight's panels are kept: " + held + " bytes");
            float[] second = onCpu(() -> Ops.linear(x, weight, bias, UnaryFn.GELU));
            assertEquals(held, DerivedBudget.heldBytes() - before, "the second call reuses the panels");
            assertArrayEquals(packedPerCall, first);
            assertArrayEquals(packedPerCall, second);
            try (Tensor view = weight.narrow(0, 1, 96)) {
                onCpu(() -> Ops.linear(x, view, null));
                assertTrue(DerivedBudget.heldBytes() - before > held, "another view of the weight has panels of its own");
            }
        }
        assertEquals(before, DerivedBudget.heldBytes(), "closing the weight gives its panels back");
    }

    @Test
    void aWeightPastTheBudgetIsNotKept() {
        long held = DerivedBudget.heldBytes();
        int[] panelsPacked = {0};
        PackedWeight.PanelPacker counting = (pc, kc, depth, j0, cols, dst, at) -> panelsPacked[0]++;
        assertNull(PackedWeight.pack(100, 100, 64, 16, held + 4 * 100 * 100 - 1, counting));
        assertEquals(held, DerivedBudget.heldBytes());
        assertEquals(0, panelsPacked[0], "nothing is packed past the budget");
        assertNull(PackedWeight.pack(1 << 20, 1 << 20, 64, 16, Long.MAX_VALUE, counting), "more than one array holds");
        assertEquals(held, DerivedBudget.heldBytes());
        try (PackedWeight kept = PackedWeight.pack(100, 100, 64, 16, Long.MAX_VALUE, counting)) {
            assertEquals(2 * 7, panelsPacked[0], "2 blocks of k x 7 panels of 16 columns");
            assertEquals(held + 4L * 2 * 7 * 64 * 16, DerivedBudget.heldBytes());
            assertEquals(64 * 7 * 16 + 3 * 36 * 16, kept.offset(64, 48, 36), "block 2 (36 deep), panel 3");
        }
        assertEquals(held, DerivedBudget.heldBytes());
    }
}
