package dev.colossus;

import java.util.Locale;

/**
 * The memory Colossus's tensors hold on one device, in bytes.
 *
 * @param device where the memory is: {@link Device#CPU} for host memory, which every host backend shares
 * @param liveBytes in storages not yet freed (tensors open, or unreachable and not yet cleaned)
 * @param cachedBytes in freed blocks kept for reuse, which {@link Backends#releaseCachedMemory()} gives back
 * @param peakBytes the most bytes live at once since the process started or
 *        {@link Backends#releaseCachedMemory()} last ran
 */
public record MemoryStats(Device device, long liveBytes, long cachedBytes, long peakBytes) {

    /** {@code cpu: 12.0 MiB live, 256.0 MiB cached, 300.5 MiB peak}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %s live, %s cached, %s peak", device, mib(liveBytes), mib(cachedBytes),
                mib(peakBytes));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
