package dev.colossus.spi;

import java.util.List;

/**
 * The settings of host memory, read once at its first use ({@link HostMemory}).
 *
 * @param cacheFloorBytes {@code colossus.host.cacheBytes}: the least the large-block cache may keep
 * @param gcThresholdFloorBytes {@code colossus.host.gcThresholdBytes}: the least live bytes that ask for a collection
 * @param settings the settings as read, for {@link dev.colossus.Backends#describe()}
 */
record HostSettings(long cacheFloorBytes, long gcThresholdFloorBytes, List<Setting> settings) {
    static final HostSettings CURRENT = read(SettingsReader.system());

    static HostSettings read(SettingsReader reader) {
        long cache = reader.bytes("colossus.host.cacheBytes", 256L << 20,
                "the least freed host memory kept for reuse (more while below the high-water mark)");
        long gc = reader.bytes("colossus.host.gcThresholdBytes", 256L << 20,
                "live host bytes past which an allocation asks the collector to free forgotten tensors");
        return new HostSettings(cache, gc, reader.settings());
    }
}
