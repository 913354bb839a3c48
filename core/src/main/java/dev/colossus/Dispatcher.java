package dev.colossus;

import dev.colossus.op.Decompositions;
import dev.colossus.op.Op;
import dev.colossus.op.OpExecutor;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs validated ops: picks the backend for the output's device, and when that backend does not
 * support an op, rewrites it (F16/BF16 computed in F32, composites into primitives) on the same
 * backend. Never moves an op to another device.
 */
final class Dispatcher {
    private Dispatcher() {
    }

    /**
     * Allocates {@code out}, runs the op built around it, and returns it; frees it if the op fails.
     * The storages of {@code reads}, the tensors the op reads, are held from before the allocation
     * until the op returns: a read tensor closed meanwhile on another thread, or an argument that
     * became unreachable (its cleaner run by a collection the allocation set off), is freed after the
     * op, not during it.
     */
    static Operand compute(String op, Device device, DType dtype, Shape shape, Function<Operand, Op> build, Tensor... reads) {
        return computeAll(op, device, dtype, shape, out -> List.of(build.apply(out)), reads);
    }

    /** As {@link #compute}, for an output that several ops write in turn (each part of a concatenation). */
    static Operand computeAll(String op, Device device, DType dtype, Shape shape, Function<Operand, List<Op>> build,
            Tensor... reads) {
        List<Storage> held = hold(op, reads);
        try {
            Operand out = allocate(op, device, dtype, shape);
            try {
                build.apply(out).forEach(Dispatcher::execute);
                return out;
            } catch (RuntimeException | Error e) {
                releaseAfterFailure(out.storage(), e);
                throw e;
            }
        } finally {
            held.forEach(Storage::release);
            Reference.reachabilityFence(reads);
        }
    }

    /**
     * Runs the ops that write into {@code dest}'s memory in place (a view's elements only), holding
     * {@code dest} and {@code reads} until they return; the ops are built around dest's operand.
     */
    static void writeInto(String op, Tensor dest, Function<Operand, List<Op>> build, Tensor... reads) {
        List<Storage> held = hold(op, reads);
        try {
            Operand out = dest.hold(op);
            try {
                build.apply(out).forEach(Dispatcher::execute);
            } finally {
                out.storage().release();
            }
        } finally {
            held.forEach(Storage::release);
            Reference.reachabilityFence(reads);
            Reference.reachabilityFence(dest);
        }
    }

    private static List<Storage> hold(String op, Tensor... reads) {
        List<Storage> held = new ArrayList<>(reads.length);
        try {
            for (Tensor t : reads) {
                if (t != null) {
                    held.add(t.hold(op).storage());
                }
            }
            return held;
        } catch (RuntimeException | Error e) {
            held.forEach(Storage::release);
            throw e;
        }
    }

    /** Releases {@code storage} after {@code failure}, which stays the exception thrown: a failing release is suppressed in it. */
    static void releaseAfterFailure(Storage storage, Throwable failure) {
        try {
            storage.release();
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        }
    }

    /** A contiguous operand of fresh, uninitialised memory on {@code device}, holding one reference. */
    static Operand allocate(String op, Device device, DType dtype, Shape shape) {
        long bytes;
        try {
            bytes = Math.multiplyExact(shape.numel(), (long) dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException(op + ": " + shape + " " + dtype + " needs more than "
                    + Long.MAX_VALUE + " bytes");
        }
        Storage storage = Backends.forDevice(device).allocate(bytes);
        return Operand.contiguous(storage, dtype, shape);
    }

    /**
     * Runs {@code op} on its device's backend, holding every storage it touches until it returns; a
     * {@link OpEvent} for a recording that asks for one.
     */
    static void execute(Op op) {
        Backend backend = Backends.forDevice(op.out().storage().device());
        List<Storage> held = new ArrayList<>(4);
        try {
            for (Operand in : op.inputs()) {
                in.storage().retain();
                held.add(in.storage());
            }
            OpEvent event = new OpEvent();
            event.begin();
            run(backend, op);
            event.commit(op, backend.name());
        } finally {
            held.forEach(Storage::release);
        }
    }

    private static void run(Backend backend, Op op) {
        if (backend.supports(op)) {
            backend.execute(op);
            return;
        }
        try (Temporaries temporaries = new Temporaries(backend)) {
            if (Decompositions.widen(op, temporaries) || Decompositions.decompose(op, temporaries)) {
                return;
            }
        } catch (UnsupportedOperationException e) {
            throw new UnsupportedOperationException(op.name() + ": the '" + backend.name()
                    + "' backend runs it as a rewrite, and a step of that failed: " + e.getMessage(), e);
        }
        StringBuilder operands = new StringBuilder();
        for (Operand in : op.inputs()) {
            operands.append(operands.isEmpty() ? "" : ", ").append(in.describe());
        }
        throw new UnsupportedOperationException(op.name() + ": the '" + backend.name()
                + "' backend supports neither this op nor a rewrite of it, on " + operands + " -> " + op.out().describe());
    }

    /** The temporaries of one rewrite, released together. */
    private static final class Temporaries implements OpExecutor, AutoCloseable {
        private final Backend backend;
        private final List<Storage> storages = new ArrayList<>();

        Temporaries(Backend backend) {
            this.backend = backend;
        }

        @Override
        public Operand temporary(DType dtype, Shape shape) {
            Storage storage = backend.allocate(shape.numel() * dtype.byteSize());
            storages.add(storage);
            return Operand.contiguous(storage, dtype, shape);
        }

        @Override
        public void execute(Op op) {
            run(backend, op);
        }

        @Override
        public void close() {
            storages.forEach(Storage::release);
        }
    }
}
