package dev.colossus.op;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.spi.Operand;

/** What a rewrite in {@link Decompositions} may do: make temporaries and run ops, on one backend. */
public interface OpExecutor {
    /**
     * A contiguous, uninitialised temporary on the backend's device, freed when the rewrite ends.
     *
     * @param dtype the element type
     * @param shape the dimensions
     * @return a contiguous operand in fresh storage
     */
    Operand temporary(DType dtype, Shape shape);

    /**
     * Runs {@code op} on the same backend, rewriting it further if that backend does not support it.
     *
     * @param op the op
     */
    void execute(Op op);
}
