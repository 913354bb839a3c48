package dev.colossus.cuda;

import jcuda.driver.CUresult;

/** A CUDA driver or cuBLAS call that failed: what was being done, and the code the library returned. */
public class CudaException extends RuntimeException {
    private final int code;

    public CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The driver's {@code CUresult}, or cuBLAS's {@code cublasStatus_t} for cuBLAS calls. */
    public int code() {
        return code;
    }

    /** Throws unless {@code result} is {@code CUDA_SUCCESS}; {@code doing} says what, e.g. "cuMemcpyHtoDAsync for to(cuda:0)". */
    static void check(int result, String doing) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(doing + " failed: " + CUresult.stringFor(result), result);
        }
    }
}
