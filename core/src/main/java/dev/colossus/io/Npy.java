package dev.colossus.io;

import dev.colossus.DType;
import dev.colossus.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * NumPy's {@code .npy} files: the magic {@code \x93NUMPY}, a version (1.0, 2.0 or 3.0), the header's
 * length (2 bytes in 1.0, 4 after), and the header, a Python dict literal {@code {'descr': '<f4',
 * 'fortran_order': False, 'shape': (3, 4), }}, then the elements.
 *
 * <p>{@link #read} maps a little-endian file and wraps its elements without a copy (Fortran order as
 * column-major strides); a big-endian file is copied into host memory with its bytes swapped. Dtypes:
 * {@code f8 f4 f2 i8 i4 i2 i1 u1 b1}. A file that is truncated, has another magic or version, a header that is
 * not such a dict, a dtype Colossus does not hold, or a shape whose size overflows, is refused with an
 * {@link IOException} naming the file and the problem. {@link #write} writes version 1.0 (2.0 where the
 * header needs it), little-endian, C order, the header padded so the data starts at a multiple of 64.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy's type codes, without their byte order, for the dtypes Colossus holds. */
    private static final Map<String, DType> DTYPES = Map.of("f8", DType.F64, "f4", DType.F32, "f2", DType.F16,
            "i8", DType.I64, "i4", DType.I32, "i2", DType.I16, "i1", DType.I8, "u1", DType.U8, "b1", DType.BOOL);
    private static final long MAX_HEADER_BYTES = 1 << 20;

    private Npy() {
    }

    /**
     * The array in {@code file}: a view of the mapped file where it is little-endian, else a swapped copy.
     *
     * @param file a {@code .npy} file
     * @return the array
     * @throws IOException when the file cannot be read or is not a valid {@code .npy} file (the message names the file and the problem)
     */
    public static Tensor read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            if (size < 10 || MemorySegment.ofArray(MAGIC).mismatch(mapped.asSlice(0, MAGIC.length)) != -1) {
                throw problem(file, "does not start with NumPy's magic \\x93NUMPY");
            }
            int major = mapped.get(ValueLayout.JAVA_BYTE, 6), minor = mapped.get(ValueLayout.JAVA_BYTE, 7);
            if (major < 1 || major > 3 || minor != 0) {
                throw problem(file, "has format version " + major + "." + minor + "; Colossus reads 1.0, 2.0 and 3.0");
            }
            int lengthBytes = major == 1 ? 2 : 4;
            if (size < 8 + lengthBytes) {
                throw problem(file, "ends inside its header length");
            }
            long headerBytes = major == 1
                    ? Short.toUnsignedInt(mapped.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8))
                    : Integer.toUnsignedLong(mapped.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            long dataAt = 8 + lengthBytes + headerBytes;
            if (headerBytes > MAX_HEADER_BYTES || dataAt > size) {
                throw problem(file, "declares a header of " + headerBytes + " bytes; the file has " + (size - 8 - lengthBytes)
                        + " after the length");
            }
            byte[] text = mapped.asSlice(8 + lengthBytes, headerBytes).toArray(ValueLayout.JAVA_BYTE);
            Header h = Header.parse(file, new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
            long numel = 1;
            for (long d : h.shape()) {
                try {
                    numel = Math.multiplyExact(numel, d);
                } catch (ArithmeticException overflow) {
                    throw problem(file, "has a shape " + Arrays.toString(h.shape()) + " whose size overflows");
                }
            }
            int width = h.dtype().byteSize();
            if (numel > (size - dataAt) / width) {
                throw problem(file, "holds " + (size - dataAt) + " bytes of data where " + h.dtype() + " "
                        + Arrays.toString(h.shape()) + " needs " + numel + " elements of " + width);
            }
            MemorySegment data = mapped.asSlice(dataAt, numel * width);
            long[] strides = strides(h.shape(), h.fortranOrder());
            if (!h.bigEndian() || width == 1) {
                return Tensor.wrap(Aligned.of(data, h.dtype()), h.dtype(), h.shape(), strides);
            }
            MemorySegment swapped = Arena.ofAuto().allocate(data.byteSize(), 64);
            for (long i = 0; i < data.byteSize(); i += width) {
                for (int b = 0; b < width; b++) {
                    swapped.set(ValueLayout.JAVA_BYTE, i + b, data.get(ValueLayout.JAVA_BYTE, i + width - 1 - b));
                }
            }
            return Tensor.wrap(swapped, h.dtype(), h.shape(), strides);
        }
    }

    /**
     * Writes {@code x} (on any device: a GPU's is copied through the host) to {@code file}, little-endian, C order.
     *
     * @param file where to write; replaced if it exists
     * @param x the tensor
     * @throws IOException when the file cannot be written
     */
    public static void write(Path file, Tensor x) throws IOException {
        String code = null;
        for (Map.Entry<String, DType> e : DTYPES.entrySet()) {
            if (e.getValue() == x.dtype()) {
                code = e.getKey();
            }
        }
        if (code == null) {
            throw new IllegalArgumentException("Npy.write " + file + ": NumPy has no " + x.dtype()
                    + "; cast with to(DType.F32) first");
        }
        long[] dims = x.shape().dims();
        StringBuilder shape = new StringBuilder("(");
        for (int d = 0; d < dims.length; d++) {
            shape.append(d > 0 ? ", " : "").append(dims[d]);
        }
        shape.append(dims.length == 1 ? ",)" : ")");
        String dict = "{'descr': '" + (x.dtype().byteSize() == 1 ? "|" : "<") + code + "', 'fortran_order': False, 'shape': "
                + shape + ", }";
        int lengthBytes = dict.length() + 11 > 65535 ? 4 : 2;
        int prefix = 8 + lengthBytes;
        int padded = (prefix + dict.length() + 1 + 63) / 64 * 64 - prefix;
        String header = dict + " ".repeat(padded - dict.length() - 1) + "\n";
        long bytes = x.numel() * x.dtype().byteSize();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
                Arena arena = Arena.ofConfined()) {
            MemorySegment out = channel.map(FileChannel.MapMode.READ_WRITE, 0, prefix + padded + bytes, arena);
            MemorySegment.copy(MemorySegment.ofArray(MAGIC), 0, out, 0, MAGIC.length);
            out.set(ValueLayout.JAVA_BYTE, 6, (byte) (lengthBytes == 2 ? 1 : 2));
            out.set(ValueLayout.JAVA_BYTE, 7, (byte) 0);
            if (lengthBytes == 2) {
                out.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8, (short) padded);
            } else {
                out.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8, padded);
            }
            MemorySegment.copy(MemorySegment.ofArray(header.getBytes(StandardCharsets.ISO_8859_1)), 0, out, prefix, padded);
            x.copyTo(out.asSlice(prefix + padded, bytes));
            out.force();
        }
    }

    /** Row-major strides, or column-major for Fortran order. */
    private static long[] strides(long[] shape, boolean fortran) {
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int k = 0; k < shape.length; k++) {
            int d = fortran ? k : shape.length - 1 - k;
            strides[d] = stride;
            stride *= Math.max(1, shape[d]);
        }
        return strides;
    }

    /** The header's three keys. */
    private record Header(DType dtype, boolean bigEndian, boolean fortranOrder, long[] shape) {
        /** Parses {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}, keys in any order. */
        static Header parse(Path file, String text) throws IOException {
            String descr = null;
            Boolean fortran = null;
            long[] shape = null;
            int[] at = {skip(text, 0)};
            expect(file, text, at, '{');
            while (true) {
                at[0] = skip(text, at[0]);
                if (peek(text, at[0]) == '}') {
                    break;
                }
                String key = quoted(file, text, at);
                at[0] = skip(text, at[0]);
                expect(file, text, at, ':');
                at[0] = skip(text, at[0]);
                switch (key) {
                    case "descr" -> descr = quoted(file, text, at);
                    case "fortran_order" -> fortran = bool(file, text, at);
                    case "shape" -> shape = tuple(file, text, at);
                    default -> throw problem(file, "has an unknown header key '" + key + "'");
                }
                at[0] = skip(text, at[0]);
                if (peek(text, at[0]) == ',') {
                    at[0]++;
                } else if (peek(text, at[0]) != '}') {
                    throw problem(file, "has a header that is not a dict at character " + at[0]);
                }
            }
            if (descr == null || fortran == null || shape == null) {
                throw problem(file, "has a header without descr, fortran_order or shape: " + text.strip());
            }
            if (descr.length() < 2 || "<>|=".indexOf(descr.charAt(0)) < 0 || !DTYPES.containsKey(descr.substring(1))) {
                throw problem(file, "has dtype '" + descr + "', which Colossus does not read (it reads "
                        + DTYPES.keySet().stream().sorted().toList() + ", either byte order)");
            }
            boolean big = descr.charAt(0) == '>' || descr.charAt(0) == '=' && ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
            return new Header(DTYPES.get(descr.substring(1)), big, fortran, shape);
        }

        private static String quoted(Path file, String text, int[] at) throws IOException {
            char quote = peek(text, at[0]);
            if (quote != '\'' && quote != '"') {
                throw problem(file, "has a header where a string should be, at character " + at[0]);
            }
            int end = text.indexOf(quote, at[0] + 1);
            if (end < 0) {
                throw problem(file, "has a header with an unterminated string");
            }
            String s = text.substring(at[0] + 1, end);
            at[0] = end + 1;
            return s;
        }

        private static boolean bool(Path file, String text, int[] at) throws IOException {
            for (String word : new String[] {"True", "False"}) {
                if (text.startsWith(word, at[0])) {
                    at[0] += word.length();
                    return word.equals("True");
                }
            }
            throw problem(file, "has a fortran_order that is neither True nor False");
        }

        private static long[] tuple(Path file, String text, int[] at) throws IOException {
            expect(file, text, at, '(');
            List<Long> dims = new ArrayList<>();
            while (true) {
                at[0] = skip(text, at[0]);
                if (peek(text, at[0]) == ')') {
                    at[0]++;
                    return dims.stream().mapToLong(Long::longValue).toArray();
                }
                int start = at[0];
                while (Character.isDigit(peek(text, at[0]))) {
                    at[0]++;
                }
                if (start == at[0] || at[0] - start > 18) {
                    throw problem(file, "has a shape that is not a tuple of non-negative integers: "
                            + text.substring(start, Math.min(text.length(), start + 40)));
                }
                dims.add(Long.parseLong(text, start, at[0], 10));
                at[0] = skip(text, at[0]);
                if (peek(text, at[0]) == ',') {
                    at[0]++;
                } else if (peek(text, at[0]) != ')') {
                    throw problem(file, "has a shape that is not a tuple at character " + at[0]);
                }
            }
        }

        private static void expect(Path file, String text, int[] at, char c) throws IOException {
            if (peek(text, at[0]) != c) {
                throw problem(file, "has a header with no '" + c + "' at character " + at[0]);
            }
            at[0]++;
        }

        private static char peek(String text, int at) {
            return at < text.length() ? text.charAt(at) : '\0';
        }

        private static int skip(String text, int at) {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
            return at;
        }
    }

    private static IOException problem(Path file, String problem) {
        return new IOException("npy file " + file + " " + problem);
    }
}
