package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Size classes round up to powers of two from 256 bytes, a block comes back only at its own size, and the cache is bounded. */
class BlockCacheTest {
    @Test
    void sizesRoundUpToThePowerOfTwoAbove() {
        assertEquals(256, BlockCache.blockBytes(1));
        assertEquals(256, BlockCache.blockBytes(256));
        assertEquals(512, BlockCache.blockBytes(257));
        assertEquals(4096, BlockCache.blockBytes(4096));
        assertEquals(BlockCache.MAX_BYTES, BlockCache.blockBytes(BlockCache.MAX_BYTES));
        assertEquals(BlockCache.MAX_BYTES, BlockCache.blockBytes(BlockCache.MAX_BYTES / 2 + 1));
    }

    @Test
    void blocksAreReusedAtTheirSizeOnlyAndDrainedForTheDriver() {
        BlockCache cache = new BlockCache(1L << 20);
        assertEquals(0, cache.take(512));
        cache.put(512, 0x1000);
        cache.put(1024, 0x2000);
        assertEquals(0, cache.take(256));
        assertEquals(0x1000, cache.take(512));
        assertEquals(0, cache.take(512));
        cache.put(256, 0x3000);
        assertEquals(List.of(0x3000L, 0x2000L), cache.drain().stream().sorted((a, b) -> Long.compare(b, a)).toList());
        assertEquals(0, cache.take(1024));
    }

    @Test
    void aBlockThatWouldPassTheCapacityIsNotKept() {
        BlockCache cache = new BlockCache(1024);
        assertTrue(cache.put(512, 0x1000));
        assertTrue(cache.put(512, 0x2000));
        assertFalse(cache.put(256, 0x3000), "1280 bytes would pass 1024");
        assertEquals(1024, cache.cachedBytes());
        assertEquals(0x2000, cache.take(512));
        assertEquals(512, cache.cachedBytes());
        cache.drain();
        assertEquals(0, cache.cachedBytes());
    }
}
