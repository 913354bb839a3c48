package dev.colossus.cuda;

import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import dev.colossus.spi.Storage;
import jcuda.driver.CUresult;

/**
 * Device memory in the order of the context's stream, so a block freed while kernels still read it is
 * reused only after they finish: blocks of up to 1 MiB from the context's {@link BlockCache} (off with
 * {@code -Dcolossus.cuda.blockCache=false}), larger ones from the driver's stream-ordered pool.
 */
final class DeviceStorage extends Storage {
    private static final boolean CACHE_BLOCKS = !"false".equals(System.getProperty("colossus.cuda.blockCache"));

    private final CudaContext context;
    private final DevicePointer pointer;
    private final long blockBytes;

    private DeviceStorage(CudaContext context, DevicePointer pointer, long bytes, long blockBytes) {
        super(context.device, bytes);
        this.context = context;
        this.pointer = pointer;
        this.blockBytes = blockBytes;
    }

    /**
     * {@code bytes} of uninitialised device memory. When the pool cannot grow, the cached blocks and the
     * pool's free memory go back to the driver and the allocation is tried once more; then it throws
     * {@link CudaOutOfMemoryException}.
     */
    static DeviceStorage allocate(CudaContext context, long bytes) {
        if (bytes == 0) {
            return new DeviceStorage(context, DevicePointer.at(0), 0, 0);
        }
        boolean small = CACHE_BLOCKS && bytes <= BlockCache.MAX_BYTES;
        long blockBytes = small ? BlockCache.blockBytes(bytes) : bytes;
        if (small) {
            long cached = context.blocks.take(blockBytes);
            if (cached != 0) {
                return new DeviceStorage(context, DevicePointer.at(cached), bytes, blockBytes);
            }
        }
        context.makeCurrent();
        long stream = context.stream.handle();
        int result = DriverCalls.memAllocAsync(blockBytes, stream);
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            for (long address : context.blocks.drain()) {
                CudaException.check(DriverCalls.memFreeAsync(address, stream), "cuMemFreeAsync of a cached block");
            }
            CudaException.check(cuStreamSynchronize(context.stream), "cuStreamSynchronize before retrying an allocation");
            context.pool.trimTo(0);
            result = DriverCalls.memAllocAsync(blockBytes, stream);
        }
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] info = context.memoryInfo();
            throw new CudaOutOfMemoryException(context.device.toString(), bytes, info[0], info[1]);
        }
        CudaException.check(result, "cuMemAllocAsync(" + bytes + " bytes)");
        return new DeviceStorage(context, DevicePointer.at(DriverCalls.allocated()), bytes, blockBytes);
    }

    /** The device address of byte {@code offset}. */
    long address(long offset) {
        return pointer.address() + offset;
    }

    DevicePointer pointer(long offset) {
        return pointer.plus(offset);
    }

    @Override
    protected void free() {
        if (byteSize() == 0) {
            return;
        }
        if (CACHE_BLOCKS && blockBytes <= BlockCache.MAX_BYTES) {
            context.blocks.put(blockBytes, pointer.address());
            return;
        }
        context.makeCurrent();
        CudaException.check(DriverCalls.memFreeAsync(pointer.address(), context.stream.handle()),
                "cuMemFreeAsync(" + byteSize() + " bytes)");
    }
}
