package dev.colossus.spi;

import java.util.function.LongSupplier;

/**
 * The garbage collector's part in freeing memory users forget to close: a tensor's storage is freed
 * by its cleaner once the collector finds every handle on it unreachable, and a heap with little
 * garbage of its own may not be collected for a long time while native or device memory fills.
 * Allocators call {@link #collectAndAwaitCleaners} when memory is short.
 */
public final class Collector {
    /** The cleaners of a collection are taken to be done when they have freed nothing for this long. */
    private static final int IDLE_MILLIS = 10;
    private static final int MAX_MILLIS = 250;

    private Collector() {
    }

    /**
     * Runs the collector ({@code System.gc()}), then sleeps while the cleaners of what it found free
     * memory, as {@code heldBytes} shows: until they have freed nothing for 10 ms, a quarter of a
     * second at most. Returns at once when the thread is interrupted (its flag set again).
     *
     * @param heldBytes the bytes still held, read as the cleaners run
     */
    public static void collectAndAwaitCleaners(LongSupplier heldBytes) {
        System.gc();
        long last = heldBytes.getAsLong();
        for (int slept = 0, idle = 0; idle < IDLE_MILLIS && slept < MAX_MILLIS; slept++) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long held = heldBytes.getAsLong();
            idle = held < last ? 0 : idle + 1;
            last = Math.min(last, held);
        }
    }
}
