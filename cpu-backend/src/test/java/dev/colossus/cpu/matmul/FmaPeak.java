package dev.colossus.cpu.matmul;

import dev.colossus.cpu.simd.VectorLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The FMA peak a Java loop reaches: {@code c_i = a c_i + b} in twelve independent chains of L lanes,
 * enough to cover an FMA's latency on two ports, and few enough for 16 vector registers. Each chain
 * starts from its own value, so that C2 cannot merge them.
 */
final class FmaPeak {
    private static final VectorSpecies<Float> S = VectorLanes.S;
    private static final int STEPS = 4096;
    private static final int CHAINS = 12;
    /** Keeps the chains' sums observable. */
    private float sink;

    double flopsPerRun() {
        return 2.0 * S.length() * CHAINS * STEPS;
    }

    void run() {
        FloatVector a = FloatVector.broadcast(S, 0.999f), b = FloatVector.broadcast(S, 0.001f);
        FloatVector c0 = FloatVector.broadcast(S, 0), c1 = FloatVector.broadcast(S, 1), c2 = FloatVector.broadcast(S, 2);
        FloatVector c3 = FloatVector.broadcast(S, 3), c4 = FloatVector.broadcast(S, 4), c5 = FloatVector.broadcast(S, 5);
        FloatVector c6 = FloatVector.broadcast(S, 6), c7 = FloatVector.broadcast(S, 7), c8 = FloatVector.broadcast(S, 8);
        FloatVector c9 = FloatVector.broadcast(S, 9), c10 = FloatVector.broadcast(S, 10), c11 = FloatVector.broadcast(S, 11);
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        sink += c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).lane(0);
    }
}
