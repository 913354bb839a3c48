package dev.colossus.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The committed {@code VectorMicroKernelTiles.java} is what its generator writes today. */
class MicroKernelTilesTest {
    @Test
    void theCommittedTilesAreWhatTheGeneratorWrites() throws IOException {
        assertEquals(MicroKernelTilesGenerator.generate(), Files.readString(MicroKernelTilesGenerator.OUTPUT),
                "run MicroKernelTilesGenerator and commit its output");
    }
}
