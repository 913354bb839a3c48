package dev.colossus.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The CPU backend's threads: one fork/join pool sized to the cores (or
 * {@code -Dcolossus.cpu.threads=N}). Work forked from inside the pool (a caller that is itself a
 * kernel, or a parallel stream on this pool) joins the same workers rather than adding threads.
 */
final class CpuParallel {
    static final int THREADS = Integer.getInteger("colossus.cpu.threads", Runtime.getRuntime().availableProcessors());

    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS), pool -> {
        var worker = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        worker.setName("colossus-cpu-" + worker.getPoolIndex());
        worker.setDaemon(true);
        return worker;
    }, null, false);

    private CpuParallel() {
    }

    /** Runs {@code body} for every index in {@code [0, tasks)}, in parallel when there is more than one. */
    static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || THREADS <= 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        Range all = new Range(0, tasks, body);
        if (ForkJoinTask.getPool() == POOL) {
            all.invoke();
        } else {
            POOL.invoke(all);
        }
    }

    /**
     * How many tasks to cut {@code work} units into so that each has at least {@code grain} units:
     * at most a few per thread, at least one.
     */
    static int tasksFor(long work, long grain) {
        long byGrain = Math.max(1, work / Math.max(1, grain));
        return (int) Math.min(byGrain, 4L * THREADS);
    }

    private static final class Range extends RecursiveAction {
        private final int from;
        private final int to;
        private final IntConsumer body;

        Range(int from, int to, IntConsumer body) {
            this.from = from;
            this.to = to;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                body.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Range(from, mid, body), new Range(mid, to, body));
        }
    }
}
