package dev.colossus.testkit;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every op, dtype and layout a user can reach, run on {@link #backend()} and on {@link #oracle()} (the
 * reference) over the same inputs, compared with the dtype's {@link Tolerance}: one family of ops a
 * file ({@link MatMulConformance}, {@link AttentionConformance}, {@link ElementwiseConformance}, {@link
 * CopyConformance}, {@link ReductionConformance}, {@link NormConformance}, {@link IndexingConformance},
 * {@link PositionConformance}, {@link OrderingConformance}). A backend's test subclasses
 * this and names its backend.
 */
@ExtendWith(ScopePerTest.class)
public abstract class BackendConformanceTest implements MatMulConformance, AttentionConformance, ElementwiseConformance,
        CopyConformance, ReductionConformance, NormConformance, IndexingConformance, PositionConformance, OrderingConformance {
}
