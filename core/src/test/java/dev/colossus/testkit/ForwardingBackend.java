package dev.colossus.testkit;

import dev.colossus.Device;
import dev.colossus.op.Op;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Storage;
import java.lang.foreign.MemorySegment;

/** A backend that passes every call to another: tests override the call they make misbehave. */
public class ForwardingBackend implements Backend {
    private final Backend delegate;

    public ForwardingBackend(Backend delegate) {
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
        return delegate.allocate(bytes);
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
