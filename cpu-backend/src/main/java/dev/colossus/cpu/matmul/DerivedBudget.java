package dev.colossus.cpu.matmul;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that forms derived from constant weights hold, every kind together ({@link PackedWeight}'s
 * panels on the heap, {@link ColumnBlocks} off it), against one budget, {@code
 * colossus.cpu.packedWeightBytes}: past it a weight is read as it lies, or packed per call, as before.
 */
final class DerivedBudget {
    private static final AtomicLong HELD = new AtomicLong();

    private DerivedBudget() {
    }

    /** Takes {@code bytes} of the budget; false, taking nothing, when the forms would then hold more than {@code budget}. */
    static boolean take(long bytes, long budget) {
        if (HELD.addAndGet(bytes) > budget) {
            HELD.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /** Gives back {@code bytes} that {@link #take} took. */
    static void giveBack(long bytes) {
        HELD.addAndGet(-bytes);
    }

    /** Bytes all derived forms hold now. */
    static long heldBytes() {
        return HELD.get();
    }
}
