package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PtxVersionTest {
    private static final String NVCC_13 = "//\n// Cuda compilation tools, release 13.0, V13.0.88\n//\n\n.version 9.0\n.target sm_80\n"
            + ".address_size 64\n\n.visible .entry fill(\n)\n{\n\tret;\n}\n";

    @Test
    void lowersTheVersionLineAndNothingElse() {
        String lowered = PtxVersion.lower(NVCC_13, "8.0");
        assertEquals("8.0", PtxVersion.of(lowered));
        assertEquals(NVCC_13.replace(".version 9.0", ".version 8.0"), lowered);
    }

    @Test
    void neverRaisesAVersion() {
        String old = NVCC_13.replace(".version 9.0", ".version 7.8");
        assertEquals(old, PtxVersion.lower(old, "8.0"));
        assertEquals(NVCC_13, PtxVersion.lower(NVCC_13, "9.0"));
    }

    @Test
    void comparesMajorThenMinor() {
        assertTrue(PtxVersion.compare("8.0", "9.0") < 0);
        assertTrue(PtxVersion.compare("8.10", "8.8") > 0);
        assertEquals(0, PtxVersion.compare("8.4", "8.4"));
    }

    @Test
    void ptxWithoutAVersionIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PtxVersion.of(".target sm_80\n"));
    }
}
