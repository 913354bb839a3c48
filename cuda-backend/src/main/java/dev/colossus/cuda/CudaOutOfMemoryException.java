package dev.colossus.cuda;

import jcuda.driver.CUresult;

/**
 * A device allocation that did not fit, even after the caches gave their blocks back and the
 * collector ran the cleaners of unreachable tensors. The backend stays usable: close tensors and
 * allocate again.
 */
public final class CudaOutOfMemoryException extends CudaException {
    /** The bytes asked for, or -1 where unknown. */
    private final long requestedBytes;
    /** The device's free memory at the failure. */
    private final long freeBytes;
    /** The device's memory in all. */
    private final long totalBytes;

    /** An allocation of {@code requestedBytes} on {@code device} that did not fit. */
    static CudaOutOfMemoryException allocating(String device, long requestedBytes, long freeBytes, long totalBytes,
            long liveBytes) {
        return new CudaOutOfMemoryException("out of memory on " + device + ": requested " + mib(requestedBytes), requestedBytes,
                freeBytes, totalBytes, liveBytes);
    }

    /** {@code what} failed for want of memory, {@code requestedBytes} (-1 where unknown) being asked for. */
    CudaOutOfMemoryException(String what, long requestedBytes, long freeBytes, long totalBytes, long liveBytes) {
        super(what + ", free " + mib(freeBytes) + " of " + mib(totalBytes) + "; Colossus's live tensors hold "
                + mib(liveBytes) + " there. Close tensors you no longer need (or make them in a Scope)",
                CUresult.CUDA_ERROR_OUT_OF_MEMORY);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
        this.totalBytes = totalBytes;
    }

    static String mib(long bytes) {
        return bytes + " bytes (" + String.format("%.1f MiB", bytes / 1048576.0) + ")";
    }

    /**
     * The bytes the failed allocation asked for.
     *
     * @return the bytes, or -1 where unknown
     */
    public long requestedBytes() {
        return requestedBytes;
    }

    /**
     * The device's free memory when the allocation failed.
     *
     * @return the bytes
     */
    public long freeBytes() {
        return freeBytes;
    }

    /**
     * The device's memory in all.
     *
     * @return the bytes
     */
    public long totalBytes() {
        return totalBytes;
    }
}
