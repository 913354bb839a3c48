package dev.colossus.cuda;

import dev.colossus.Device;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether a context is still usable: the first error that lost it ({@link CudaException#losesContext}),
 * and the op or free it surfaced in. Every entry point of the backend asks before it calls the driver,
 * so that after a kernel faults each later op fails at once with a {@link CudaContextLostException}
 * whose cause is the first failure, not with an unrelated-looking error of its own; a failure that
 * surfaces on the cleaner's thread (a free) is recorded here too instead of vanishing with it.
 */
final class ContextHealth {
    private final Device device;
    private final AtomicReference<CudaContextLostException> lost = new AtomicReference<>();

    ContextHealth(Device device) {
        this.device = device;
    }

    boolean isLost() {
        return lost.get() != null;
    }

    /** Throws a {@link CudaContextLostException} naming {@code op} if the context was lost. */
    void checkUsable(String op) {
        CudaContextLostException first = lost.get();
        if (first != null) {
            throw new CudaContextLostException(op + ": " + device + " is unusable since an earlier CUDA failure ("
                    + first.getMessage() + "); restart the process to use it again", first.code(), first);
        }
    }

    /**
     * What to throw for {@code failure} in {@code op}: where its code loses the context, a
     * {@link CudaContextLostException} (recorded as the first when it is), else {@code failure} itself.
     */
    CudaException failed(String op, CudaException failure) {
        if (failure instanceof CudaContextLostException || !CudaException.losesContext(failure.code())) {
            return failure;
        }
        CudaContextLostException lostHere = new CudaContextLostException(op + ": " + failure.getMessage() + "; " + device
                + " is unusable from now on (CUDA fails every later call in this process)", failure.code(), failure);
        if (lost.compareAndSet(null, lostHere)) {
            return lostHere;
        }
        CudaContextLostException again = new CudaContextLostException(lostHere.getMessage(), failure.code(), lost.get());
        again.addSuppressed(failure);
        return again;
    }
}
