package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The committed {@code VectorMicroKernelTiles.java} and {@code VectorMicroKernelTilesF64.java} are what their generator writes today. */
class MicroKernelTilesTest {
    @Test
    void theCommittedTilesAreWhatTheGeneratorWrites() throws IOException {
        assertEquals(MicroKernelTilesGenerator.generate(), Files.readString(MicroKernelTilesGenerator.OUTPUT),
                "run MicroKernelTilesGenerator and commit its output");
        assertEquals(MicroKernelTilesGenerator.generateF64(), Files.readString(MicroKernelTilesGenerator.OUTPUT_F64),
                "run MicroKernelTilesGenerator and commit its output");
    }
}
