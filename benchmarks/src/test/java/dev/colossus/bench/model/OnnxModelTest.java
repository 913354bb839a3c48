package dev.colossus.bench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.Tensor;
import dev.colossus.io.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OnnxModel} on the real all-MiniLM-L6-v2 file (from langchain4j's Maven artifact): its 102
 * initializers and 637 nodes as ONNX lays them out, the weights converted to safetensors bit for bit,
 * and corrupt input refused with the byte it stopped at.
 */
class OnnxModelTest {
    private static MemorySegment file;

    @BeforeAll
    static void readTheFile() throws IOException {
        try (InputStream in = OnnxModelTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            file = MemorySegment.ofArray(in.readAllBytes());
        }
    }

    @Test
    void initializersAndNodesOfMiniLm() throws IOException {
        try (OnnxModel model = OnnxModel.read("all-minilm-l6-v2.onnx", file)) {
            assertEquals(102, model.initializers().size());
            assertEquals(637, model.nodes().size());
            Tensor words = model.initializers().get("embeddings.word_embeddings.weight");
            assertEquals(Shape.of(30522, 384), words.shape());
            assertEquals(DType.F32, words.dtype());
            Tensor positions = model.initializers().get("embeddings.position_ids");
            assertEquals(DType.I64, positions.dtype());
            assertArrayEquals(LongStream.range(0, 512).toArray(), positions.toLongArray());
            Map<String, Long> ops = model.nodes().stream().collect(Collectors.groupingBy(OnnxModel.Node::opType, Collectors.counting()));
            assertEquals(48, ops.get("MatMul"));
            assertEquals(6, ops.get("Erf"), "exact GELU, one a layer");
            // Every MatMul with a weight reads it as (in, out): the projections 384 -> 384, 384 -> 1536, 1536 -> 384.
            Set<Shape> weightShapes = model.nodes().stream().filter(n -> n.opType().equals("MatMul"))
                    .flatMap(n -> n.inputs().stream()).filter(model.initializers()::containsKey)
                    .map(name -> model.initializers().get(name).shape()).collect(Collectors.toSet());
            assertEquals(Set.of(Shape.of(384, 384), Shape.of(384, 1536), Shape.of(1536, 384)), weightShapes);
        }
    }

    @Test
    void weightsConvertToSafetensorsBitForBit(@TempDir Path dir) throws IOException {
        try (OnnxModel model = OnnxModel.read("all-minilm-l6-v2.onnx", file)) {
            Path out = dir.resolve("minilm.safetensors");
            SafeTensors.write(out, model.initializers(), Map.of("source", "all-minilm-l6-v2.onnx"));
            SafeTensors back = SafeTensors.read(out);
            assertEquals(model.initializers().keySet(), Set.copyOf(back.names()));
            for (Map.Entry<String, Tensor> e : model.initializers().entrySet()) {
                Tensor read = back.get(e.getKey());
                assertEquals(e.getValue().shape(), read.shape(), e.getKey());
                assertTrue(read.segment().asSlice(read.offset() * read.dtype().byteSize(), read.numel() * read.dtype().byteSize())
                        .mismatch(e.getValue().segment()) == -1, e.getKey() + " differs");
            }
        }
    }

    @Test
    void aTruncatedFileIsRefusedNamingWhereItStopped() {
        MemorySegment cut = file.asSlice(0, 1_000_000);
        IOException e = assertThrows(IOException.class, () -> OnnxModel.read("cut.onnx", cut));
        assertTrue(e.getMessage().startsWith("cut.onnx: has a field of "), e.getMessage());
    }
}
