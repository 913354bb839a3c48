package dev.colossus.cpu.parallel;

import dev.colossus.cpu.settings.CpuSettings;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The CPU backend's threads: the caller plus {@code THREADS - 1} workers (the cores, or
 * {@code -Dcolossus.cpu.threads=N}), which split the indices of one job at a time.
 *
 * <p>Kernels are short: a 256^3 matmul is 60 microseconds per core, about what waking a parked thread
 * costs. So the caller works on its own job instead of waiting for it, and workers poll for the next
 * job for {@link #SPIN_NANOS} after each one before they park. A job started while another runs, or
 * from inside a job (a kernel calling a kernel, or several caller threads at once), runs on its
 * caller's thread alone: the machine's cores are never oversubscribed.
 */
public final class CpuParallel {
    public static final int THREADS = CpuSettings.current().threads();

    /** How long a worker keeps polling after a job before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private static final ReentrantLock ONE_JOB = new ReentrantLock();
    private static final ThreadLocal<Boolean> IN_JOB = ThreadLocal.withInitial(() -> false);
    private static final Thread[] WORKERS = new Thread[THREADS - 1];
    private static volatile Job current;

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = Thread.ofPlatform().daemon().name("colossus-cpu-" + (i + 1)).start(CpuParallel::work);
        }
    }

    private CpuParallel() {
    }

    /** Whether the calling thread is one of the workers. */
    public static boolean isWorker() {
        Thread me = Thread.currentThread();
        for (Thread worker : WORKERS) {
            if (worker == me) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code body} with every job it starts run on the calling thread alone: for ops on memory the
     * workers may not touch (a segment of a confined arena, accessible by its owner thread only).
     */
    public static void onCallerThread(Runnable body) {
        if (IN_JOB.get()) {
            body.run();
            return;
        }
        IN_JOB.set(true);
        try {
            body.run();
        } finally {
            IN_JOB.set(false);
        }
    }

    /** Whether the workers may read and write {@code segment}: false for a confined arena's segment. */
    public static boolean workersCanAccess(MemorySegment segment) {
        return WORKERS.length == 0 || segment.isAccessibleBy(WORKERS[0]);
    }

    /** Runs {@code body} for every index in {@code [0, tasks)}, in parallel when there is more than one. */
    public static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || WORKERS.length == 0 || IN_JOB.get() || !ONE_JOB.tryLock()) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            Job job = new Job(tasks, body);
            current = job;
            for (Thread worker : WORKERS) {
                LockSupport.unpark(worker);
            }
            job.run();
            job.awaitDone();
            current = null;
            job.rethrow();
        } finally {
            ONE_JOB.unlock();
        }
    }

    /**
     * How many tasks to cut {@code work} units into so that each has at least {@code grain} units:
     * at most a few per thread, at least one.
     */
    public static int tasksFor(long work, long grain) {
        long byGrain = Math.max(1, work / Math.max(1, grain));
        return (int) Math.min(byGrain, 4L * THREADS);
    }

    /**
     * A worker's life: run each new job's indices, poll a while, park until the next. A task's failure,
     * an {@link OutOfMemoryError} included, is the job's to rethrow; the worker lives on.
     */
    private static void work() {
        Job done = null;
        long idleSince = System.nanoTime();
        while (true) {
            Job job = current;
            if (job != null && job != done) {
                done = job;
                job.run();
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park();
            }
        }
    }

    /** One call's indices, claimed one at a time by whichever thread is free. */
    private static final class Job {
        private final int tasks;
        private final IntConsumer body;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private volatile Throwable failure;

        Job(int tasks, IntConsumer body) {
            this.tasks = tasks;
            this.body = body;
        }

        void run() {
            IN_JOB.set(true);
            try {
                for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                    try {
                        body.accept(i);
                    } catch (Throwable t) {
                        failure = t;
                    } finally {
                        finished.incrementAndGet();
                    }
                }
            } finally {
                IN_JOB.set(false);
            }
        }

        void awaitDone() {
            for (int spins = 0; finished.get() < tasks; spins++) {
                if (spins < 10_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }
}
