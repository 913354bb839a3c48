package dev.colossus.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** A freed block of 1 MiB or more comes back for the next allocation of its size, and only of its size. */
class LargeBlockCacheTest {
    private static final long MIB = 1L << 20;

    /** Sizes no other test uses, so that a block the cleaner frees meanwhile cannot be taken in their place. */
    @Test
    void aFreedLargeBlockIsReusedAtItsSizeAndOnlyAtItsSize() {
        long size = 3 * MIB + 4032;
        HostStorage first = HostStorage.allocate(size);
        long address = first.segment().address();
        first.release();
        HostStorage other = HostStorage.allocate(size + 4096);
        assertNotEquals(address, other.segment().address());
        HostStorage again = HostStorage.allocate(size);
        assertEquals(address, again.segment().address());
        again.segment().fill((byte) 7);
        assertEquals(7, again.segment().get(ValueLayout.JAVA_BYTE, size - 1));
        again.release();
        other.release();
    }

    @Test
    void aFullCacheFreesTheBlocksFreedLongestAgo() {
        LargeBlockCache cache = new LargeBlockCache();
        MemorySegment a = NativeHeap.malloc(MIB), b = NativeHeap.malloc(2 * MIB), c = NativeHeap.malloc(2 * MIB);
        cache.put(a, MIB, 4 * MIB);
        cache.put(b, 2 * MIB, 4 * MIB);
        cache.put(c, 2 * MIB, 4 * MIB);
        assertEquals(4 * MIB, cache.cachedBytes(), "a, the oldest, pushed out");
        assertNull(cache.take(MIB));
        assertEquals(c, cache.take(2 * MIB), "the newest block of a size first");
        assertEquals(b, cache.take(2 * MIB));
        assertEquals(0, cache.cachedBytes());
    }

    @Test
    void shrinkingFreesTheBlocksFreedLongestAgo() {
        LargeBlockCache cache = new LargeBlockCache();
        MemorySegment a = NativeHeap.malloc(MIB), b = NativeHeap.malloc(2 * MIB), c = NativeHeap.malloc(3 * MIB);
        cache.put(a, MIB, 8 * MIB);
        cache.put(b, 2 * MIB, 8 * MIB);
        cache.put(c, 3 * MIB, 8 * MIB);
        cache.shrinkTo(4 * MIB);
        assertEquals(3 * MIB, cache.cachedBytes(), "a and b, the oldest, freed");
        assertNull(cache.take(2 * MIB));
        assertEquals(c, cache.take(3 * MIB));
    }

    @Test
    void aBlockLargerThanTheCacheIsFreedAndClearEmptiesIt() {
        LargeBlockCache cache = new LargeBlockCache();
        cache.put(NativeHeap.malloc(3 * MIB), 3 * MIB, 2 * MIB);
        assertEquals(0, cache.cachedBytes());
        cache.put(NativeHeap.malloc(MIB), MIB, 2 * MIB);
        cache.clear();
        assertEquals(0, cache.cachedBytes());
        assertNull(cache.take(MIB));
    }
}
