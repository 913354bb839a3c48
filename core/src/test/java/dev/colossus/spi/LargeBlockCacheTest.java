package dev.colossus.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** A freed block of 1 MiB or more comes back for the next allocation of its size, and only of its size. */
class LargeBlockCacheTest {
    @Test
    void aFreedLargeBlockIsReusedAtItsSizeAndCountsAsFreed() {
        long live = HostStorage.liveAllocations();
        HostStorage first = HostStorage.allocate(3 << 20);
        long address = first.segment().address();
        first.release();
        assertEquals(live, HostStorage.liveAllocations());
        HostStorage other = HostStorage.allocate((3 << 20) + 4096);
        assertNotEquals(address, other.segment().address());
        HostStorage again = HostStorage.allocate(3 << 20);
        assertEquals(address, again.segment().address());
        again.segment().fill((byte) 7);
        assertEquals(7, again.segment().get(ValueLayout.JAVA_BYTE, (3 << 20) - 1));
        again.release();
        other.release();
        assertEquals(live, HostStorage.liveAllocations());
    }
}
