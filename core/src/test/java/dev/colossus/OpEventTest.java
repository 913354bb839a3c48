package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** The {@code dev.colossus.Op} Flight Recorder event: one per op run, named as the API names it, with its output. */
class OpEventTest {
    @Test
    void aRecordingSeesEachOpWithItsOutput() throws IOException {
        Path file = Files.createTempFile("colossus-op-event", ".jfr");
        try (Recording recording = new Recording();
                Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
                Tensor b = Tensor.of(new float[] {1, 1, 1}, 3)) {
            recording.enable("dev.colossus.Op").withThreshold(Duration.ZERO);
            recording.start();
            try (Tensor sum = Ops.add(a, b); Tensor product = Ops.matmul(a, a.transpose(0, 1))) {
                recording.stop();
            }
            recording.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.colossus.Op")).toList();
            assertEquals(List.of("add", "matmul"), events.stream().map(e -> e.getString("op")).toList());
            assertEquals(List.of("F32 (2,3)", "F32 (2,2)"), events.stream().map(e -> e.getString("output")).toList());
            assertTrue(events.stream().allMatch(e -> !e.getString("backend").isEmpty()), events.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
