package dev.colossus.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Tensor;
import dev.colossus.testkit.Generators;
import dev.colossus.testkit.Generators.Layout;
import dev.colossus.testkit.Generators.Values;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code write} writes, {@code read} reads back exactly: every dtype, corner values, views, empty and 0-d tensors. */
class RoundTripTest {
    private static final List<long[]> SHAPES = List.of(new long[] {}, new long[] {0, 3}, new long[] {7}, new long[] {2, 3, 5},
            new long[] {33, 17});

    @TempDir
    Path dir;

    @Test
    void safetensorsRoundTripsEveryDtypeExactly() throws IOException {
        Map<String, Tensor> written = new LinkedHashMap<>();
        int seed = 0;
        for (DType dtype : DType.values()) {
            for (long[] shape : SHAPES) {
                Layout layout = shape.length >= 2 ? Layout.TRANSPOSED : Layout.CONTIGUOUS;
                written.put(dtype + "/" + shape.length + "d#" + seed, Generators.tensor(seed++, dtype, Values.SPECIALS, layout, shape));
            }
        }
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, written, Map.of("made by", "RoundTripTest \"quoted\" \u00e9"));
        assertEquals(0, (Files.size(file) - written.values().stream().mapToLong(t -> t.numel() * t.dtype().byteSize()).sum()) % 8,
                "the data starts at a multiple of 8");
        SafeTensors read = SafeTensors.read(file);
        assertEquals(List.copyOf(written.keySet()), List.copyOf(read.names()));
        assertEquals(Map.of("made by", "RoundTripTest \"quoted\" \u00e9"), read.metadata());
        for (Map.Entry<String, Tensor> e : written.entrySet()) {
            Tensor back = read.get(e.getKey());
            assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
            assertEquals(e.getValue().shape(), back.shape(), e.getKey());
            assertArrayEquals(FixturesTest.bytes(e.getValue()), FixturesTest.bytes(back), e.getKey());
        }
    }

    @Test
    void npyRoundTripsEveryDtypeNumPyHasExactly() throws IOException {
        int seed = 100;
        for (DType dtype : DType.values()) {
            for (long[] shape : SHAPES) {
                Tensor x = Generators.tensor(seed++, dtype, Values.SPECIALS, shape.length >= 2 ? Layout.TRANSPOSED : Layout.CONTIGUOUS,
                        shape);
                Path file = dir.resolve(dtype + "-" + shape.length + ".npy");
                if (dtype == DType.BF16 || dtype.isFp8()) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.write(file, x));
                    assertTrue(e.getMessage().contains("NumPy has no " + dtype), e.getMessage());
                    continue;
                }
                Npy.write(file, x);
                long size = Files.size(file);
                assertEquals(0, (size - x.numel() * dtype.byteSize()) % 64, "the data starts at a multiple of 64");
                Tensor back = Npy.read(file);
                assertEquals(x.shape(), back.shape(), file.toString());
                assertEquals(dtype, back.dtype(), file.toString());
                assertArrayEquals(FixturesTest.bytes(x), FixturesTest.bytes(back), file.toString());
            }
        }
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        Path file = dir.resolve("one.safetensors");
        SafeTensors.write(file, Map.of("w", Tensor.zeros(DType.F32, 2)), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(file).get("v"));
        assertTrue(e.getMessage().contains("no tensor named \"v\"") && e.getMessage().contains("[w]"), e.getMessage());
    }
}
