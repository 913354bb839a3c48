package dev.colossus.cuda;

import jcuda.driver.CUresult;

/**
 * A device allocation that did not fit, even after the memory pool gave its cached blocks back.
 * The backend stays usable: free tensors and allocate again.
 */
public final class CudaOutOfMemoryException extends CudaException {
    private final long requestedBytes;
    private final long freeBytes;
    private final long totalBytes;

    CudaOutOfMemoryException(String device, long requestedBytes, long freeBytes, long totalBytes) {
        super("out of memory on " + device + ": requested " + mib(requestedBytes) + ", free " + mib(freeBytes)
                + " of " + mib(totalBytes), CUresult.CUDA_ERROR_OUT_OF_MEMORY);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
        this.totalBytes = totalBytes;
    }

    private static String mib(long bytes) {
        return bytes + " bytes (" + String.format("%.1f MiB", bytes / 1048576.0) + ")";
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }

    public long totalBytes() {
        return totalBytes;
    }
}
