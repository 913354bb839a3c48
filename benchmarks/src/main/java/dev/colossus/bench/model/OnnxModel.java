package dev.colossus.bench.model;

import dev.colossus.DType;
import dev.colossus.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model's weights and graph, read from the protobuf wire format without a protobuf library:
 * {@code ModelProto.graph} (field 7), its {@code initializer}s (field 5, {@code TensorProto}: dims 1,
 * data_type 2, float_data 4, int32_data 5, int64_data 7, name 8, raw_data 9, double_data 10) as host
 * tensors (copied: an ONNX file does not align its data), and its {@code node}s (field 1,
 * {@code NodeProto}: input 1, output 2, name 3, op_type 4), enough to tell which initializer feeds which
 * op. Attributes and external data are not read; an external-data tensor is refused.
 */
public final class OnnxModel implements AutoCloseable {
    /** One node of the graph: its op type ({@code MatMul}, {@code Gather}, ...), name, inputs and outputs by name. */
    public record Node(String opType, String name, List<String> inputs, List<String> outputs) {
    }

    private final Map<String, Tensor> initializers;
    private final List<Node> nodes;

    private OnnxModel(Map<String, Tensor> initializers, List<Node> nodes) {
        this.initializers = initializers;
        this.nodes = nodes;
    }

    /** The weights by name, in file order. */
    public Map<String, Tensor> initializers() {
        return initializers;
    }

    /** The graph's nodes in file order (topologically sorted, as ONNX requires). */
    public List<Node> nodes() {
        return nodes;
    }

    @Override
    public void close() {
        initializers.values().forEach(Tensor::close);
    }

    public static OnnxModel read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return read(file.toString(), bytes);
        }
    }

    /** The model in {@code bytes}; {@code source} names it in errors. */
    public static OnnxModel read(String source, MemorySegment bytes) throws IOException {
        Reader model = new Reader(source, bytes, 0, bytes.byteSize());
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        try {
            while (model.more()) {
                int field = model.field();
                if (field == 7 && model.wire() == 2) {
                    Reader graph = model.message();
                    while (graph.more()) {
                        int g = graph.field();
                        if (g == 5 && graph.wire() == 2) {
                            Reader tensor = graph.message();
                            Initializer init = Initializer.read(tensor);
                            if (initializers.put(init.name, init.tensor()) != null) {
                                throw new IOException(source + ": initializer " + init.name + " appears twice");
                            }
                        } else if (g == 1 && graph.wire() == 2) {
                            nodes.add(node(graph.message()));
                        } else {
                            graph.skip();
                        }
                    }
                } else {
                    model.skip();
                }
            }
        } catch (IOException | RuntimeException e) {
            initializers.values().forEach(Tensor::close);
            throw e;
        }
        return new OnnxModel(initializers, nodes);
    }

    private static Node node(Reader r) throws IOException {
        List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        String name = "", opType = "";
        while (r.more()) {
            switch (r.field()) {
                case 1 -> inputs.add(r.string());
                case 2 -> outputs.add(r.string());
                case 3 -> name = r.string();
                case 4 -> opType = r.string();
                default -> r.skip();
            }
        }
        return new Node(opType, name, List.copyOf(inputs), List.copyOf(outputs));
    }

    /** A TensorProto's fields as they arrive; {@link #tensor} builds the tensor once all are read. */
    private static final class Initializer {
        String name = "";
        int dataType;
        final List<Long> dims = new ArrayList<>();
        MemorySegment raw;
        final List<Number> values = new ArrayList<>();
        final Reader source;

        Initializer(Reader source) {
            this.source = source;
        }

        static Initializer read(Reader r) throws IOException {
            Initializer t = new Initializer(r);
            while (r.more()) {
                int field = r.field();
                switch (field) {
                    case 1 -> r.longs(t.dims);
                    case 2 -> t.dataType = (int) r.varint();
                    case 4 -> r.fixed32s(t.values);
                    case 5, 7 -> r.longsAsNumbers(t.values);
                    case 8 -> t.name = r.string();
                    case 9 -> t.raw = r.bytes();
                    case 10 -> r.fixed64s(t.values);
                    case 13, 14 -> throw r.problem("tensor " + t.name + " keeps its data outside the file, which this reader does not follow");
                    default -> r.skip();
                }
            }
            return t;
        }

        /** ONNX's TensorProto.DataType codes for the dtypes Colossus holds. */
        private DType dtype() throws IOException {
            return switch (dataType) {
                case 1 -> DType.F32;
                case 2 -> DType.U8;
                case 3 -> DType.I8;
                case 5 -> DType.I16;
                case 6 -> DType.I32;
                case 7 -> DType.I64;
                case 9 -> DType.BOOL;
                case 10 -> DType.F16;
                case 11 -> DType.F64;
                case 16 -> DType.BF16;
                default -> throw source.problem("tensor " + name + " has ONNX data type " + dataType + ", which Colossus does not hold");
            };
        }

        Tensor tensor() throws IOException {
            DType dtype = dtype();
            long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            long bytes = count * dtype.byteSize();
            Tensor out = Tensor.zeros(dtype, shape);
            MemorySegment to = out.segment();
            if (raw != null) {
                if (raw.byteSize() != bytes) {
                    out.close();
                    throw source.problem("tensor " + name + " " + java.util.Arrays.toString(shape) + " " + dtype + " has " + raw.byteSize()
                            + " bytes of raw data, not " + bytes);
                }
                MemorySegment.copy(raw, 0, to, 0, bytes);
            } else {
                if (values.size() != count) {
                    out.close();
                    throw source.problem("tensor " + name + " " + java.util.Arrays.toString(shape) + " has " + values.size() + " values");
                }
                for (int i = 0; i < count; i++) {
                    Number v = values.get(i);
                    switch (dtype) {
                        case F32 -> to.setAtIndex(ValueLayout.JAVA_FLOAT, i, v.floatValue());
                        case F64 -> to.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v.doubleValue());
                        case I64 -> to.setAtIndex(ValueLayout.JAVA_LONG, i, v.longValue());
                        case I32 -> to.setAtIndex(ValueLayout.JAVA_INT, i, v.intValue());
                        default -> {
                            out.close();
                            throw source.problem("tensor " + name + ": typed values of " + dtype + " are not read, only raw data");
                        }
                    }
                }
            }
            return out;
        }
    }

    /** The protobuf wire format over {@code [at, end)} of a segment: tags, varints, fixed and length-delimited fields. */
    private static final class Reader {
        private final String source;
        private final MemorySegment bytes;
        private long at;
        private final long end;
        private int wire;

        Reader(String source, MemorySegment bytes, long at, long end) {
            this.source = source;
            this.bytes = bytes;
            this.at = at;
            this.end = end;
        }

        boolean more() {
            return at < end;
        }

        /** The next field's number; its wire type is {@link #wire()}. */
        int field() throws IOException {
            long key = varint();
            wire = (int) (key & 7);
            return (int) (key >>> 3);
        }

        int wire() {
            return wire;
        }

        long varint() throws IOException {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (at >= end) {
                    throw problem("ends inside a varint");
                }
                byte b = bytes.get(ValueLayout.JAVA_BYTE, at++);
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw problem("has a varint longer than 10 bytes");
        }

        /** The bytes of a length-delimited field, as a view. */
        MemorySegment bytes() throws IOException {
            long length = varint();
            if (length < 0 || length > end - at) {
                throw problem("has a field of " + length + " bytes where " + (end - at) + " remain");
            }
            MemorySegment view = bytes.asSlice(at, length);
            at += length;
            return view;
        }

        Reader message() throws IOException {
            MemorySegment body = bytes();
            long start = body.address() - bytes.address();
            return new Reader(source, bytes, start, start + body.byteSize());
        }

        String string() throws IOException {
            return new String(bytes().toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }

        /** A repeated int64 field, packed or one value. */
        void longs(List<Long> into) throws IOException {
            if (wire == 2) {
                Reader packed = message();
                while (packed.more()) {
                    into.add(packed.varint());
                }
            } else {
                into.add(varint());
            }
        }

        void longsAsNumbers(List<Number> into) throws IOException {
            List<Long> longs = new ArrayList<>();
            longs(longs);
            into.addAll(longs);
        }

        void fixed32s(List<Number> into) throws IOException {
            MemorySegment packed = wire == 2 ? bytes() : fixed(4);
            for (long i = 0; i < packed.byteSize(); i += 4) {
                into.add(packed.get(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
            }
        }

        void fixed64s(List<Number> into) throws IOException {
            MemorySegment packed = wire == 2 ? bytes() : fixed(8);
            for (long i = 0; i < packed.byteSize(); i += 8) {
                into.add(packed.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, i));
            }
        }

        private MemorySegment fixed(int size) throws IOException {
            if (end - at < size) {
                throw problem("ends inside a fixed field");
            }
            MemorySegment view = bytes.asSlice(at, size);
            at += size;
            return view;
        }

        /** Past the current field's value, whatever its wire type. */
        void skip() throws IOException {
            switch (wire) {
                case 0 -> varint();
                case 1 -> fixed(8);
                case 2 -> bytes();
                case 5 -> fixed(4);
                default -> throw problem("has wire type " + wire + ", which protobuf 3 does not write");
            }
        }

        IOException problem(String what) {
            return new IOException(source + ": " + what + " (byte " + at + ")");
        }
    }
}
