package dev.colossus.testkit;

import dev.colossus.Device;
import dev.colossus.op.Op;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Storage;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend that passes every call to another and records the storages it allocates, so that a test
 * can check that an op freed what it made (whatever other tests left to the cleaner meanwhile); tests
 * also override the call they make misbehave.
 */
public class RecordingBackend implements Backend {
    private final Backend delegate;
    private final List<Storage> allocated = new CopyOnWriteArrayList<>();

    public RecordingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return "forwarding to " + delegate.name();
    }

    @Override
    public Device device() {
        return delegate.device();
    }

    @Override
    public Storage allocate(long bytes) {
        Storage storage = delegate.allocate(bytes);
        allocated.add(storage);
        return storage;
    }

    /** How many of the storages allocated through this backend are not yet freed. */
    public long liveStorages() {
        return allocated.stream().filter(s -> !s.isFreed()).count();
    }

    /** How many storages were allocated through this backend. */
    public int allocations() {
        return allocated.size();
    }

    @Override
    public void copyFromHost(MemorySegment src, Storage dst, long dstOffset, long bytes) {
        delegate.copyFromHost(src, dst, dstOffset, bytes);
    }

    @Override
    public void copyToHost(Storage src, long srcOffset, MemorySegment dst, long bytes) {
        delegate.copyToHost(src, srcOffset, dst, bytes);
    }

    @Override
    public boolean supports(Op op) {
        return delegate.supports(op);
    }

    @Override
    public void execute(Op op) {
        delegate.execute(op);
    }

    @Override
    public void synchronize() {
        delegate.synchronize();
    }
}
