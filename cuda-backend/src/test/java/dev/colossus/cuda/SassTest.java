package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which committed SASS a GPU takes, by its compute capability. */
class SassTest {
    @Test
    void hopperTakesItsOwnBuildsThenSm90AmpereAndAdaTakeSm80OthersNone() {
        assertArrayEquals(new String[] {"sm_90a", "sm_90"}, Sass.architectures(9, 0));
        assertArrayEquals(new String[] {"sm_80"}, Sass.architectures(8, 0));
        assertArrayEquals(new String[] {"sm_80"}, Sass.architectures(8, 9));
        assertArrayEquals(new String[0], Sass.architectures(10, 0));
        assertArrayEquals(new String[0], Sass.architectures(7, 5));
    }

    @Test
    void theCubinFoundIsTheBestTheGpuRuns() {
        assertEquals("attention_sm90a.sm_90a.cubin", Sass.find("attention_sm90a", 9, 0).file());
        assertEquals("gemm.sm_90.cubin", Sass.find("gemm", 9, 0).file());
        assertEquals("gemm.sm_80.cubin", Sass.find("gemm", 8, 6).file());
        assertNull(Sass.find("attention_sm90a", 8, 0));
        assertNull(Sass.find("gemm", 12, 0));
        Sass.Cubin cubin = Sass.find("softmax", 9, 0);
        assertNotNull(cubin);
        assertEquals(0x7F, cubin.bytes()[0]);
        assertEquals('E', cubin.bytes()[1]);
    }
}
