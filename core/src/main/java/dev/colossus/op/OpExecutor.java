package dev.colossus.op;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.spi.Operand;

/** What a rewrite in {@link Decompositions} may do: make temporaries and run ops, on one backend. */
public interface OpExecutor {
    /** A contiguous, uninitialised temporary on the backend's device, freed when the rewrite ends. */
    Operand temporary(DType dtype, Shape shape);

    /** Runs {@code op} on the same backend, rewriting it further if that backend does not support it. */
    void execute(Op op);
}
