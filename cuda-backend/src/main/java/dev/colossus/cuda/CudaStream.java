package dev.colossus.cuda;

import jcuda.driver.CUstream;

/** A {@link CUstream} whose raw handle can be handed to cuBLAS. */
final class CudaStream extends CUstream {
    long handle() {
        return getNativePointer();
    }
}
