package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One BF16 row against a constant BF16 weight with rows longer than a block: the weight laid out in
 * column blocks once ({@link ColumnBlocks}), the product equal to the reference's, the blocks given
 * back with the weight and kept only within the budget.
 */
class ColumnBlocksTest {
    /** A constant BF16 (rows, columns) weight, with NaN at (1, columns - 3) and +Inf at (2, 2050) when {@code corners}. */
    private static Tensor constant(long seed, long rows, long columns, boolean corners) {
        try (Tensor f32 = Tensor.randn(seed, DType.F32, rows, columns); Tensor values = f32.to(DType.BF16)) {
            MemorySegment memory = Arena.ofAuto().allocate(values.numel() * 2, 64);
            values.copyTo(memory);
            if (corners) {
                memory.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * (columns + columns - 3), (short) 0x7FC0);
                memory.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * (2 * columns + 2050), (short) 0x7F80);
            }
            return Tensor.wrapConstant(memory, DType.BF16, rows, columns);
        }
    }

    private static float[] on(String backend, Supplier<Tensor> product) {
        try (Tensor out = Backends.using(Backends.get(backend), product)) {
            return out.toFloatArray();
        }
    }

    /** ||actual - expected|| / ||expected|| over the finite outputs; the others must be equal (NaN to NaN). */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length);
        double difference = 0, norm = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!Float.isFinite(expected[i])) {
                assertEquals(expected[i], actual[i], what + ": output " + i);
                continue;
            }
            difference += (actual[i] - (double) expected[i]) * (actual[i] - (double) expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        double relative = Math.sqrt(difference / norm);
        assertTrue(relative < 1e-2, what + ": relative L2 " + relative);
    }

    /**
     * K past one block (2049), two and a tail (4163), three and an odd tail (6241); 257 outputs, enough
     * for the product to be split across two threads, unevenly (a BF16 result goes through the calling
     * thread's F32 scratch, which the blocks' buffers must not share); the weight a view (3 columns in, rows 7 longer), x every other
     * element of a row; for 4163 a NaN in the last block and an Inf in the second.
     */
    @ParameterizedTest
    @ValueSource(ints = {2049, 4163, 6241})
    void oneRowAgainstTheBlocksEqualsTheReference(int k) {
        long before = DerivedBudget.heldBytes();
        try (Tensor whole = constant(k, 257, k + 7, k == 4163); Tensor weight = whole.narrow(1, 3, k);
                Tensor wide = Tensor.randn(k + 1, DType.BF16, 1, 2 * k); Tensor x = wide.narrow(1, 1, 2 * k - 1).slice(1, 0, 2 * k - 1, 2);
                Tensor bias = Tensor.randn(5, DType.BF16, 257)) {
            float[] expected = on("reference", () -> Ops.linear(x, weight, bias));
            float[] first = on("cpu", () -> Ops.linear(x, weight, bias));
            assertEquals(before + 2L * 257 * k, DerivedBudget.heldBytes(), "the weight's blocks are kept");
            float[] second = on("cpu", () -> Ops.linear(x, weight, bias));
            assertEquals(before + 2L * 257 * k, DerivedBudget.heldBytes(), "the second call reuses them");
            assertClose(expected, first, "K " + k);
            assertClose(expected, second, "K " + k + ", again");
        }
        assertEquals(before, DerivedBudget.heldBytes(), "closing the weight gives its blocks back");
    }

    @Test
    void rowsOfOneBlockOrAWeightThatMayBeWrittenAreReadWhereTheyLie() {
        long before = DerivedBudget.heldBytes();
        try (Tensor x = Tensor.randn(1, DType.BF16, 1, 4096); Tensor constant = constant(2, 16, 2048, false);
                Tensor plain = Tensor.randn(3, DType.BF16, 16, 4096); Tensor one = Tensor.randn(4, DType.BF16, 1, 2048)) {
            on("cpu", () -> Ops.linear(one, constant, null));
            on("cpu", () -> Ops.linear(x, plain, null));
            assertEquals(before, DerivedBudget.heldBytes());
        }
    }

    @Test
    void aWeightPastTheBudgetIsNotLaidOut() {
        long held = DerivedBudget.heldBytes();
        MemorySegment weight = Arena.ofAuto().allocate(2L * 3 * 5000);
        assertNull(ColumnBlocks.lay(weight, 0, 10000, 3, 5000, held + 2L * 3 * 5000 - 1));
        assertEquals(held, DerivedBudget.heldBytes());
        try (ColumnBlocks blocks = ColumnBlocks.lay(weight, 0, 10000, 3, 5000, Long.MAX_VALUE)) {
            assertEquals(held + 2L * 3 * 5000, DerivedBudget.heldBytes());
        }
        assertEquals(held, DerivedBudget.heldBytes());
    }
}
