package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The committed {@code wgmma_operands.cuh} is what its generator writes today. */
class WgmmaOperandsTest {
    @Test
    void theCommittedHeaderIsWhatTheGeneratorWrites() throws IOException {
        assertEquals(WgmmaOperandsGenerator.generate(), Files.readString(WgmmaOperandsGenerator.OUTPUT),
                "run WgmmaOperandsGenerator and commit its output");
    }
}
