package dev.colossus.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Files written by NumPy and by a few lines of Python (json and struct, no safetensors library) read
 * back bit for bit: {@code make_fixtures.py}, beside them, wrote them.
 */
class FixturesTest {
    static Path fixture(String name) {
        try {
            return Path.of(FixturesTest.class.getResource("/dev/colossus/io/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tensor's elements, row-major, as bytes in its dtype. */
    static byte[] bytes(Tensor t) {
        MemorySegment out = Arena.ofAuto().allocate(Math.max(1, t.numel() * t.dtype().byteSize()));
        t.copyTo(out);
        return out.asSlice(0, t.numel() * t.dtype().byteSize()).toArray(ValueLayout.JAVA_BYTE);
    }

    private static ByteBuffer little(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void numpyFilesReadBackBitForBit() throws IOException {
        Tensor f4 = Npy.read(fixture("f4_c.npy"));
        assertEquals(Shape.of(3, 4), f4.shape());
        float[] special = {0f, -0f, 1.5f, -2.25f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-40f, 3.4e38f,
                (float) (1.0 / 3), 7f, -1e-3f};
        ByteBuffer expected = little(48);
        for (float v : special) {
            expected.putFloat(v);
        }
        assertArrayEquals(expected.array(), bytes(f4));
        assertTrue(f4.segment().isMapped() && f4.segment().isReadOnly(), "a little-endian file is a view of the mapping");

        Tensor f8 = Npy.read(fixture("f8_big.npy"));
        double[] thirds = f8.toDoubleArray();
        for (int i = 0; i < 6; i++) {
            assertEquals(Double.doubleToRawLongBits(i / 3.0), Double.doubleToRawLongBits(thirds[i]), "big-endian element " + i);
        }
        assertArrayEquals(new long[] {0, -7, -14, -21, -28, -35}, Npy.read(fixture("i8_fortran.npy")).toLongArray());
        assertArrayEquals(new long[] {1, 2}, Npy.read(fixture("i8_fortran.npy")).strides(), "Fortran order as column-major strides");
        assertArrayEquals(new byte[] {1, 0, 1, 1, 0}, bytes(Npy.read(fixture("b1.npy"))));
        ByteBuffer halves = little(8).putShort((short) 0x3800).putShort((short) 0xBC00).putShort((short) 0x7BFF).putShort((short) 0x0001);
        assertArrayEquals(halves.array(), bytes(Npy.read(fixture("f2.npy"))));
        Tensor scalar = Npy.read(fixture("i4_scalar.npy"));
        assertEquals(Shape.scalar(), scalar.shape());
        assertEquals(-123456, scalar.item());
        assertArrayEquals(new double[] {0, 1, 2, 3, 4}, Npy.read(fixture("f4_v2.npy")).toDoubleArray());
        Tensor i1 = Npy.read(fixture("i1.npy"));
        assertEquals(DType.I8, i1.dtype());
        assertArrayEquals(new long[] {-128, -1, 0, 1, 127}, i1.toLongArray());
        Tensor u1 = Npy.read(fixture("u1.npy"));
        assertEquals(DType.U8, u1.dtype());
        assertArrayEquals(new long[] {0, 1, 128, 200, 254, 255}, u1.toLongArray());
        Tensor i2 = Npy.read(fixture("i2_big.npy"));
        assertEquals(DType.I16, i2.dtype());
        assertArrayEquals(new long[] {-32768, -2, 0, 300, 32767}, i2.toLongArray(), "big-endian I16 swapped");
    }

    @Test
    void aSafetensorsFileWrittenByJsonAndStructReadsBackBitForBit() throws IOException {
        SafeTensors file = SafeTensors.read(fixture("python.safetensors"));
        assertEquals(Map.of("format", "pt", "note", "written by json + struct"), file.metadata());
        assertEquals(java.util.List.of("a", "b", "c", "d", "e", "empty", "f", "g", "h"), java.util.List.copyOf(file.names()));
        assertEquals(DType.F32, file.get("a").dtype());
        assertEquals(Shape.of(2, 3), file.get("a").shape());
        ByteBuffer a = little(24);
        for (float v : new float[] {1, -2, 0.5f, Float.POSITIVE_INFINITY, -0f, 3}) {
            a.putFloat(v);
        }
        assertArrayEquals(a.array(), bytes(file.get("a")));
        assertArrayEquals(little(8).putShort((short) 0x3F80).putShort((short) 0xC000).putShort((short) 0x7FC0)
                .putShort((short) 0x0001).array(), bytes(file.get("b")));
        assertEquals(DType.BF16, file.get("b").dtype());
        assertArrayEquals(new long[] {-(1L << 62), (1L << 40) + 3}, file.get("c").toLongArray());
        assertArrayEquals(new byte[] {1, 0, 1}, bytes(file.get("d")));
        assertArrayEquals(little(8).putShort((short) 0x3C00).putShort((short) 0xBC00).putShort((short) 0x7BFF)
                .putShort((short) 0x0001).array(), bytes(file.get("e")));
        assertEquals(Shape.of(0, 3), file.get("empty").shape());
        assertEquals(DType.I8, file.get("f").dtype());
        assertArrayEquals(new long[] {-128, 0, 127}, file.get("f").toLongArray());
        assertEquals(DType.U8, file.get("g").dtype());
        assertArrayEquals(new long[] {0, 255}, file.get("g").toLongArray());
        assertEquals(DType.I16, file.get("h").dtype());
        assertArrayEquals(new long[] {-32768, 12345}, file.get("h").toLongArray());
        // The header is not padded: the data starts at byte 657, so only the 1-byte tensors lie aligned.
        assertTrue(file.get("d").segment().isMapped() && file.get("f").segment().isMapped(), "an aligned tensor is a view of the mapping");
        assertTrue(!file.get("a").segment().isMapped() && !file.get("b").segment().isMapped() && !file.get("h").segment().isMapped(),
                "a tensor whose bytes start off its element size is copied to aligned memory");
    }
}
