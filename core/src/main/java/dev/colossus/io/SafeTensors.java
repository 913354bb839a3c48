package dev.colossus.io;

import dev.colossus.DType;
import dev.colossus.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hugging Face's safetensors files: an 8-byte little-endian header length n, n bytes of JSON naming
 * each tensor's dtype, shape and {@code data_offsets} [begin, end) relative to the data after the
 * header, and an optional {@code __metadata__} object of strings.
 *
 * <p>{@link #read} maps the file and wraps each tensor around its bytes: no copy, and the mapping
 * lasts as long as any of its tensors is reachable (a tensor whose bytes do not start at a multiple of
 * its element size, as in files whose header is not padded, is copied to aligned memory instead). The
 * tensors are {@linkplain Tensor#wrapConstant constant}: read-only, and a backend may keep forms made
 * from them (packed matmul panels); a file changed under its mapping by another program is, as for
 * any mapped file, undefined. The header is checked whole before anything is
 * mapped: a file that is truncated, whose header is longer than the file or than {@value
 * #MAX_HEADER_BYTES} bytes, not UTF-8 or not JSON, names a tensor twice, gives a dtype Colossus does
 * not hold, a shape whose size overflows, or offsets outside the data, of another size than the shape
 * needs, or overlapping another tensor's, is refused with an {@link IOException} naming the file and
 * the problem. Data is read as little-endian, the byte order of every machine Colossus runs on.
 */
public final class SafeTensors {
    /** The longest header read, as the reference implementation limits it. */
    public static final long MAX_HEADER_BYTES = 100_000_000;
    private static final String METADATA = "__metadata__";
    /** The format's dtype names for the dtypes Colossus holds. */
    private static final Map<String, DType> DTYPES = Map.ofEntries(Map.entry("F64", DType.F64), Map.entry("F32", DType.F32),
            Map.entry("F16", DType.F16), Map.entry("BF16", DType.BF16), Map.entry("I64", DType.I64), Map.entry("I32", DType.I32),
            Map.entry("I16", DType.I16), Map.entry("I8", DType.I8), Map.entry("U8", DType.U8), Map.entry("BOOL", DType.BOOL),
            Map.entry("F8_E4M3", DType.F8E4M3), Map.entry("F8_E5M2", DType.F8E5M2));

    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** One tensor's entry in the header: where its bytes lie in the data section. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    /**
     * The tensors of {@code file}, each a view of the mapped file, in the header's order, and its metadata.
     *
     * @param file a safetensors file
     * @return its tensors and metadata
     * @throws IOException when the file cannot be read or is not a valid safetensors file (the message names the file and the problem)
     */
    public static SafeTensors read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw problem(file, "is " + size + " bytes long, shorter than the 8-byte header length");
            }
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, length, 0);
            long n = length.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES || n > size - 8) {
                throw problem(file, "declares a header of " + Long.toUnsignedString(n) + " bytes; the file has "
                        + (size - 8) + " after the length, and headers are at most " + MAX_HEADER_BYTES);
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(channel, header, 8);
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = entries(file, decode(file, header), size - 8 - n, metadata);
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                MemorySegment bytes = Aligned.of(mapped.asSlice(8 + n + e.begin(), e.end() - e.begin()), e.dtype());
                tensors.put(e.name(), Tensor.wrapConstant(bytes, e.dtype(), e.shape()));
            }
            return new SafeTensors(tensors, metadata);
        }
    }

    /**
     * Writes {@code tensors} (on any device: a GPU's are copied through the host) and {@code metadata}
     * to {@code file}: the header's JSON padded with spaces so that the data starts at a multiple of 8
     * bytes, then each tensor's elements row-major, in the map's order.
     *
     * @param file where to write; replaced if it exists
     * @param tensors the tensors by name
     * @param metadata the header's {@code __metadata__}; empty or {@code null} for none
     * @throws IOException when the file cannot be written
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            json.append(HeaderJson.quote(METADATA)).append(":{");
            String separator = "";
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                json.append(separator).append(HeaderJson.quote(m.getKey())).append(':').append(HeaderJson.quote(m.getValue()));
                separator = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
            if (t.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("SafeTensors.write " + file + ": a tensor may not be named " + METADATA);
            }
            Tensor x = t.getValue();
            long bytes = x.numel() * x.dtype().byteSize();
            json.append(json.length() > 1 ? "," : "").append(HeaderJson.quote(t.getKey())).append(":{\"dtype\":")
                    .append(HeaderJson.quote(name(x.dtype()))).append(",\"shape\":[");
            long[] dims = x.shape().dims();
            for (int d = 0; d < dims.length; d++) {
                json.append(d > 0 ? "," : "").append(dims[d]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) & ~7;
        long total = 8 + padded + offset;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
                Arena arena = Arena.ofConfined()) {
            MemorySegment out = channel.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            out.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, padded);
            MemorySegment.copy(MemorySegment.ofArray(header), 0, out, 8, header.length);
            out.asSlice(8 + header.length, padded - header.length).fill((byte) ' ');
            long at = 8 + padded;
            for (Tensor x : tensors.values()) {
                long bytes = x.numel() * x.dtype().byteSize();
                x.copyTo(out.asSlice(at, bytes));
                at += bytes;
            }
            out.force();
        }
    }

    /**
     * The tensor named {@code name}.
     *
     * @param name a name in the header
     * @return the tensor, a view of the mapped file
     */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named " + HeaderJson.quote(name) + " among " + tensors.size()
                    + (tensors.size() <= 20 ? ": " + tensors.keySet() : ""));
        }
        return t;
    }

    /**
     * The tensors' names, in the header's order.
     *
     * @return the names
     */
    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * Every tensor by name, in the header's order.
     *
     * @return an unmodifiable map
     */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /**
     * The header's {@code __metadata__}, empty where it has none.
     *
     * @return an unmodifiable map
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    private static List<Entry> entries(Path file, String header, long dataBytes, Map<String, String> metadata)
            throws IOException {
        Object root;
        try {
            root = HeaderJson.parse(header);
        } catch (IllegalArgumentException e) {
            throw problem(file, "has a header that is not valid: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> members)) {
            throw problem(file, "has a header that is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> m : members.entrySet()) {
            String name = (String) m.getKey();
            if (name.equals(METADATA)) {
                if (!(m.getValue() instanceof Map<?, ?> values)) {
                    throw problem(file, "has a " + METADATA + " that is not an object");
                }
                for (Map.Entry<?, ?> v : values.entrySet()) {
                    if (!(v.getValue() instanceof String s)) {
                        throw problem(file, "has a " + METADATA + " value that is not a string: " + v.getKey());
                    }
                    metadata.put((String) v.getKey(), s);
                }
                continue;
            }
            entries.add(entry(file, name, m.getValue(), dataBytes));
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry before = byOffset.get(i - 1), e = byOffset.get(i);
            if (e.begin() < before.end()) {
                throw problem(file, "has tensors " + HeaderJson.quote(before.name()) + " and " + HeaderJson.quote(e.name())
                        + " overlapping: [" + before.begin() + ", " + before.end() + ") and [" + e.begin() + ", " + e.end() + ")");
            }
        }
        return entries;
    }

    private static Entry entry(Path file, String name, Object value, long dataBytes) throws IOException {
        String what = "tensor " + HeaderJson.quote(name);
        if (!(value instanceof Map<?, ?> fields)) {
            throw problem(file, "has a " + what + " that is not an object");
        }
        if (!(fields.get("dtype") instanceof String dtypeName)) {
            throw problem(file, "has a " + what + " without a dtype");
        }
        DType dtype = DTYPES.get(dtypeName);
        if (dtype == null) {
            throw problem(file, "has a " + what + " of dtype " + dtypeName + ", which Colossus does not hold (it holds "
                    + DTYPES.keySet().stream().sorted().toList() + ")");
        }
        long[] shape = longs(file, what + "'s shape", fields.get("shape"), -1);
        long[] offsets = longs(file, what + "'s data_offsets", fields.get("data_offsets"), 2);
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw problem(file, "has a " + what + " with a negative dimension: " + Arrays.toString(shape));
            }
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException overflow) {
                throw problem(file, "has a " + what + " whose shape " + Arrays.toString(shape) + " overflows");
            }
        }
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin || end > dataBytes) {
            throw problem(file, "has a " + what + " at [" + begin + ", " + end + "), outside the " + dataBytes
                    + " bytes of data");
        }
        if (numel > Long.MAX_VALUE / dtype.byteSize() || end - begin != numel * dtype.byteSize()) {
            throw problem(file, "has a " + what + " of " + (end - begin) + " bytes where " + dtype + " "
                    + Arrays.toString(shape) + " needs " + (numel <= Long.MAX_VALUE / dtype.byteSize()
                    ? numel * dtype.byteSize() : "more than 2^63"));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of integers, of {@code count} items (any number for -1). */
    private static long[] longs(Path file, String what, Object value, int count) throws IOException {
        if (!(value instanceof List<?> items) || count >= 0 && items.size() != count) {
            throw problem(file, "has " + what + " that is not " + (count >= 0 ? "an array of " + count + " integers"
                    : "an array of integers"));
        }
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(items.get(i) instanceof Long v)) {
                throw problem(file, "has " + what + " holding " + items.get(i) + ", not an integer");
            }
            out[i] = v;
        }
        return out;
    }

    private static String name(DType dtype) {
        for (Map.Entry<String, DType> e : DTYPES.entrySet()) {
            if (e.getValue() == dtype) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("safetensors has no name for " + dtype);
    }

    private static String decode(Path file, ByteBuffer header) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(header.flip()).toString();
        } catch (CharacterCodingException e) {
            throw problem(file, "has a header that is not UTF-8");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static IOException problem(Path file, String problem) {
        return new IOException("safetensors file " + file + " " + problem);
    }
}
