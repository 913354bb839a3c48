package dev.colossus.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.colossus.Tensor;
import dev.colossus.testkit.SuiteLength;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutator over valid files: bytes flipped, set to JSON's and Python's punctuation and
 * digits, cut off, repeated, the header length rewritten. Every mutant either reads (and then every
 * element of every tensor can be read) or is refused with an {@link IOException} naming the file;
 * anything else fails with the seed and the mutant's number. 10,000 mutants in CI, a million with
 * {@code -Dcolossus.test.long=true}; {@code -Dcolossus.test.seed=S} replays a run.
 */
class WeightFileFuzzTest {
    private static final byte[] PUNCTUATION = "{}[]()\",:'0123456789-e.TF \\u".getBytes();

    @TempDir
    Path dir;

    @Test
    void mutatedFilesReadOrAreRefusedByName() throws IOException {
        long seed = Long.getLong("colossus.test.seed", 20);
        int cases = SuiteLength.of(10_000, 1_000_000);
        byte[] safetensors = Files.readAllBytes(FixturesTest.fixture("python.safetensors"));
        byte[][] npy = {Files.readAllBytes(FixturesTest.fixture("f4_c.npy")), Files.readAllBytes(FixturesTest.fixture("i8_fortran.npy")),
                Files.readAllBytes(FixturesTest.fixture("f4_v2.npy"))};
        SplittableRandom random = new SplittableRandom(seed);
        int read = 0;
        for (int i = 0; i < cases; i++) {
            boolean isNpy = i % 2 == 1;
            byte[] original = isNpy ? npy[random.nextInt(npy.length)] : safetensors;
            byte[] mutant = mutate(original, random, isNpy);
            Path file = dir.resolve(isNpy ? "m.npy" : "m.safetensors");
            Files.write(file, mutant);
            try {
                if (isNpy) {
                    touch(Npy.read(file));
                } else {
                    for (Tensor t : SafeTensors.read(file).tensors().values()) {
                        touch(t);
                    }
                }
                read++;
            } catch (IOException refused) {
                assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
            } catch (RuntimeException | Error e) {
                fail("seed " + seed + ", mutant " + i + " of " + (isNpy ? "an .npy" : "the safetensors") + " file: " + e, e);
            }
        }
        assertTrue(read > 0 && read < cases, read + " of " + cases + " mutants read: the mutator should make both kinds");
    }

    /** Reads every element, byte by byte and as numbers. */
    private static void touch(Tensor t) {
        t.copyTo(java.lang.foreign.Arena.ofAuto().allocate(Math.max(1, t.numel() * t.dtype().byteSize())));
        if (t.numel() <= 1 << 16) {
            t.toDoubleArray();
        }
    }

    private static byte[] mutate(byte[] original, SplittableRandom random, boolean npy) {
        byte[] b = original.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = PUNCTUATION[random.nextInt(PUNCTUATION.length)];
                case 2 -> b = java.util.Arrays.copyOf(b, at);
                case 3 -> {
                    int length = Math.min(b.length - at, 1 + random.nextInt(16));
                    byte[] longer = new byte[b.length + length];
                    System.arraycopy(b, 0, longer, 0, at + length);
                    System.arraycopy(b, at, longer, at + length, b.length - at);
                    b = longer;
                }
                case 4 -> {
                    int where = npy ? 8 : 0, width = npy ? 2 : 8;
                    for (int k = 0; k < width && where + k < b.length; k++) {
                        b[where + k] = (byte) random.nextInt(256);
                    }
                }
                default -> b[at] = (byte) random.nextInt(256);
            }
            if (b.length == 0) {
                break;
            }
        }
        return b;
    }
}
