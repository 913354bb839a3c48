package dev.colossus.reference;

import dev.colossus.op.Op;
import dev.colossus.spi.HostBackend;

/** The reference backend: {@link ReferenceKernels} on host memory, every op and dtype. */
public final class ReferenceBackend extends HostBackend {
    /** Made by {@link ReferenceBackendProvider}. */
    public ReferenceBackend() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public boolean supports(Op op) {
        return true;
    }

    @Override
    public void execute(Op op) {
        ReferenceKernels.execute(op);
    }
}
