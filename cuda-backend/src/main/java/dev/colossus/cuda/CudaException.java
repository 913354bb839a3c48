package dev.colossus.cuda;

import jcuda.driver.CUresult;

/** A CUDA driver or cuBLAS call that failed: what was being done, and the code the library returned. */
public class CudaException extends RuntimeException {
    /** The library's code. */
    private final int code;

    /**
     * A failure, in words and as the library's code.
     *
     * @param message what was being done, and what the code means
     * @param code the {@code CUresult} or {@code cublasStatus_t}
     */
    public CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /**
     * The driver's {@code CUresult}, or cuBLAS's {@code cublasStatus_t} for cuBLAS calls.
     *
     * @return the code
     */
    public int code() {
        return code;
    }

    /**
     * Whether {@code result} is a {@code CUresult} that leaves the context unusable: the driver returns it
     * for every later call (the CUDA documentation's list: 700 illegal address, 702 launch timeout, 710
     * device-side assert, 714 hardware stack error, 715 illegal instruction, 716 misaligned address,
     * 717 invalid address space, 718 invalid program counter, 719 launch failure).
     */
    static boolean losesContext(int result) {
        return switch (result) {
            case 700, 702, 710, 714, 715, 716, 717, 718, 719 -> true;
            default -> false;
        };
    }

    /** Throws unless {@code result} is {@code CUDA_SUCCESS}; {@code doing} says what, e.g. "cuMemcpyHtoDAsync for to(cuda:0)". */
    static void check(int result, String doing) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(doing + " failed: " + CUresult.stringFor(result), result);
        }
    }
}
