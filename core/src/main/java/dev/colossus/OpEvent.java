package dev.colossus;

import dev.colossus.op.Op;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * One op run by a backend, as a Java Flight Recorder event ({@code dev.colossus.Op}): where a model's
 * time goes, op by op, with no switch of Colossus's own. Off unless a recording enables it ({@code
 * java -XX:StartFlightRecording:settings=...} or {@code jdk.jfr.Recording.enable("dev.colossus.Op")});
 * then its duration is the backend's work on the op (a GPU backend's launch, not the kernel's run,
 * where the backend does not wait), and the fields say which op on what.
 */
@Name("dev.colossus.Op")
@Label("Colossus op")
@Category("Colossus")
@Description("One op run by a Colossus backend")
@StackTrace(false)
final class OpEvent extends Event {
    @Label("Op")
    String op;

    @Label("Backend")
    String backend;

    @Label("Output")
    @Description("The output's dtype and shape")
    String output;

    /** Fills the fields from the op just run and commits: only when the recording keeps the event. */
    void commit(Op run, String backendName) {
        if (shouldCommit()) {
            op = run.name();
            backend = backendName;
            output = run.out().dtype() + " " + run.out().shape();
            commit();
        }
    }
}
