package dev.colossus.cuda;

import dev.colossus.op.Copy;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * Contiguous copies of operands that a kernel or cuBLAS cannot read where they lie, made on the
 * stream before the kernel, and scratch for outputs it cannot write where they lie; released when
 * closed (stream order keeps them alive for the kernel and the copy after it).
 */
final class ContiguousCopies implements AutoCloseable {
    private final CudaContext context;
    private final CudaElementwise elementwise;
    private final List<Storage> storages = new ArrayList<>();

    ContiguousCopies(CudaContext context, CudaElementwise elementwise) {
        this.context = context;
        this.elementwise = elementwise;
    }

    /** A row-major copy of {@code x}, of its dtype and shape. */
    Operand of(Operand x) {
        Operand copy = scratch(x);
        elementwise.copy(new Copy(x, copy));
        return copy;
    }

    /** A row-major operand of {@code x}'s dtype and shape, its contents undefined: where a kernel writes what is then copied into x. */
    Operand scratch(Operand x) {
        Storage storage = DeviceStorage.allocate(context, x.numel() * x.dtype().byteSize());
        storages.add(storage);
        return Operand.contiguous(storage, x.dtype(), x.shape());
    }

    @Override
    public void close() {
        for (Storage s : storages) {
            s.release();
        }
    }
}
