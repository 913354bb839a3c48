package dev.colossus.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way a weight file can be wrong gives an {@link IOException} naming the file and the problem,
 * before anything large is allocated: never a crash, a wrong tensor, or an exception of another kind.
 */
class HostileFilesTest {
    @TempDir
    Path dir;

    /** A safetensors file of {@code header} (as given) and {@code dataBytes} zero bytes of data. */
    private Path safetensors(String header, int dataBytes) throws IOException {
        byte[] text = header.getBytes(StandardCharsets.UTF_8);
        return file("t.safetensors", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(text.length).array(), text,
                new byte[dataBytes]);
    }

    private Path file(String name, byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        Path file = dir.resolve(name);
        Files.write(file, out.toByteArray());
        return file;
    }

    private static void refused(Path file, String phrase, IoCall call) {
        IOException e = assertThrows(IOException.class, call::run, phrase);
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(phrase), e.getMessage());
    }

    private interface IoCall {
        void run() throws IOException;
    }

    private static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void hostileSafetensorsAreRefusedByName() throws IOException {
        Path p = file("short.safetensors", new byte[] {1, 2, 3});
        refused(p, "shorter than the 8-byte header length", () -> SafeTensors.read(p));
        Path longHeader = file("long.safetensors", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array(),
                "{}".getBytes(StandardCharsets.UTF_8));
        refused(longHeader, "declares a header of 1000 bytes", () -> SafeTensors.read(longHeader));
        Path huge = file("huge.safetensors", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        refused(huge, "declares a header of 18446744073709551615 bytes", () -> SafeTensors.read(huge));
        Path outside = safetensors("{" + tensor("w", "F32", "[2]", 0, 8) + "}", 4);
        refused(outside, "outside the 4 bytes of data", () -> SafeTensors.read(outside));
        Path size = safetensors("{" + tensor("w", "F32", "[3]", 0, 8) + "}", 8);
        refused(size, "of 8 bytes where F32 [3] needs 12", () -> SafeTensors.read(size));
        Path overlap = safetensors("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 4, 12) + "}", 12);
        refused(overlap, "overlapping", () -> SafeTensors.read(overlap));
        Path overflow = safetensors("{" + tensor("w", "F32", "[4294967296,4294967296,4]", 0, 8) + "}", 8);
        refused(overflow, "overflows", () -> SafeTensors.read(overflow));
        Path negative = safetensors("{" + tensor("w", "F32", "[-2]", 0, 8) + "}", 8);
        refused(negative, "negative dimension", () -> SafeTensors.read(negative));
        Path dtype = safetensors("{" + tensor("w", "F8_E8M0", "[2]", 0, 2) + "}", 2);
        refused(dtype, "of dtype F8_E8M0, which Colossus does not hold", () -> SafeTensors.read(dtype));
        Path twice = safetensors("{" + tensor("w", "F32", "[1]", 0, 4) + "," + tensor("w", "F32", "[1]", 4, 8) + "}", 8);
        refused(twice, "appears twice", () -> SafeTensors.read(twice));
        Path notJson = safetensors("{\"w\":", 0);
        refused(notJson, "not valid", () -> SafeTensors.read(notJson));
        Path notObject = safetensors("[1,2]", 0);
        refused(notObject, "not a JSON object", () -> SafeTensors.read(notObject));
        Path metadata = safetensors("{\"__metadata__\":{\"k\":1}}", 0);
        refused(metadata, "not a string", () -> SafeTensors.read(metadata));
        byte[] latin = {'{', '"', (byte) 0xE9, '"', ':', '1', '}'};
        Path notUtf8 = file("latin.safetensors", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(latin.length).array(),
                latin);
        refused(notUtf8, "not UTF-8", () -> SafeTensors.read(notUtf8));
        Path deep = safetensors("[".repeat(100) + "]".repeat(100), 0);
        refused(deep, "nested deeper than 64", () -> SafeTensors.read(deep));
    }

    @Test
    void hostileNpyFilesAreRefusedByName() throws IOException {
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
        Path notNpy = file("a.npy", "PK\3\4 not an npy file".getBytes(StandardCharsets.ISO_8859_1));
        refused(notNpy, "magic", () -> Npy.read(notNpy));
        Path version = file("v.npy", magic, new byte[] {9, 0, 0, 0});
        refused(version, "format version 9.0", () -> Npy.read(version));
        Path longHeader = file("h.npy", magic, new byte[] {1, 0, (byte) 0xFF, 0x7F}, "{}".getBytes(StandardCharsets.ISO_8859_1));
        refused(longHeader, "declares a header of 32767 bytes", () -> Npy.read(longHeader));
        Path truncated = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", 12);
        refused(truncated, "holds 12 bytes of data where F32 [10] needs 10 elements of 4", () -> Npy.read(truncated));
        Path dtype = npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16);
        refused(dtype, "has dtype '<c16'", () -> Npy.read(dtype));
        Path shape = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4);
        refused(shape, "not a tuple of non-negative integers", () -> Npy.read(shape));
        Path overflow = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 8), }", 8);
        refused(overflow, "overflows", () -> Npy.read(overflow));
        Path missing = npy("{'descr': '<f4', 'shape': (1,), }", 4);
        refused(missing, "without descr, fortran_order or shape", () -> Npy.read(missing));
        Path key = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", 4);
        refused(key, "unknown header key 'extra'", () -> Npy.read(key));
    }

    /** A version 1.0 .npy file of {@code header} and {@code dataBytes} zero bytes. */
    private Path npy(String header, int dataBytes) throws IOException {
        byte[] text = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        return file("t.npy", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) text.length, (byte) (text.length >> 8)},
                text, new byte[dataBytes]);
    }
}
