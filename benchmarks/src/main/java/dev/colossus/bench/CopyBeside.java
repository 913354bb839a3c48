package dev.colossus.bench;

import java.util.function.LongSupplier;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * An op timed beside the copy yardstick, call by call in the same fork, for the benchmarks' {@code
 * besideCopy}: their times summed over each iteration, which JMH reports per iteration and fork. The
 * ratio of the two is the op's share of the machine's bandwidth under the same conditions, where a
 * copy timed in forks of its own meets the machine at another moment (a shared VM's memory moved by
 * a third from one fork to the next).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CopyBeside {
    public long copyNanos;
    public long opNanos;
    public long calls;

    @Setup(Level.Iteration)
    public void reset() {
        copyNanos = 0;
        opNanos = 0;
        calls = 0;
    }

    /**
     * The copy, then the op, each timed; between them the threads go idle (1 ms, past the CPU
     * backend's spinning and the copy's parallel stream's), so that neither runs beside the other's
     * spinning threads and both start from parked ones. Returns the op's result.
     */
    long time(Yardstick yardstick, LongSupplier op) throws InterruptedException {
        Thread.sleep(1);
        long start = System.nanoTime();
        yardstick.copy();
        copyNanos += System.nanoTime() - start;
        Thread.sleep(1);
        start = System.nanoTime();
        long result = op.getAsLong();
        opNanos += System.nanoTime() - start;
        calls++;
        return result;
    }
}
