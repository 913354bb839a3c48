package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Which inputs the packed kernels read as periodic runs, and with what period (no GPU needed). */
class PackedElementwiseTest {

    @Test
    void denseInputsHaveTheOutputsLengthAsPeriod() {
        assertEquals(24, period(new long[] {2, 3, 4}, new long[] {12, 4, 1}));
        assertEquals(1, period(new long[] {1, 1}, new long[] {5, 1}));
    }

    @Test
    void rowBroadcastsRepeatEveryRowAndScalarsEveryElement() {
        assertEquals(64, period(new long[] {37, 64}, new long[] {0, 1}));
        assertEquals(12, period(new long[] {5, 7, 3, 4}, new long[] {0, 0, 4, 1}));
        assertEquals(1, period(new long[] {6, 7}, new long[] {0, 0}));
    }

    @Test
    void otherLayoutsAreNotPeriodic() {
        assertEquals(0, period(new long[] {70, 5}, new long[] {1, 0}), "a column broadcast");
        assertEquals(0, period(new long[] {4, 3}, new long[] {1, 4}), "a transpose");
        assertEquals(0, period(new long[] {9}, new long[] {2}), "every other element");
        assertEquals(0, period(new long[] {3, 4, 5}, new long[] {0, 5, 0}), "a broadcast inside the row");
    }

    private static long period(long[] shape, long[] strides) {
        return PackedElementwise.period(KernelLayout.of(shape, strides, 0, 0));
    }
}
