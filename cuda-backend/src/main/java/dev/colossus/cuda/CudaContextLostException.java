package dev.colossus.cuda;

/**
 * A GPU whose CUDA context an error has left unusable: a kernel that faulted (illegal address,
 * misaligned address, illegal instruction, a device-side assert, a launch that failed or timed out),
 * after which the driver fails every later call of the process on that context. The first such error
 * is this exception's cause (or, for the first one, the driver's failure itself); only a new process
 * gets a working context back. Host tensors are unaffected.
 */
public final class CudaContextLostException extends CudaException {
    CudaContextLostException(String message, int code, Throwable cause) {
        super(message, code);
        initCause(cause);
    }
}
