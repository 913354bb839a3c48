package dev.colossus.cuda;

import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import dev.colossus.spi.Storage;
import jcuda.driver.CUresult;

/**
 * Device memory from the stream-ordered pool: allocated and freed in the order of the context's
 * stream, so a block freed while kernels still read it is reused only after they finish.
 */
final class DeviceStorage extends Storage {
    private final CudaContext context;
    private final DevicePointer pointer;

    private DeviceStorage(CudaContext context, DevicePointer pointer, long bytes) {
        super(context.device, bytes);
        this.context = context;
        this.pointer = pointer;
    }

    /**
     * {@code bytes} of uninitialised device memory. When the pool cannot grow, it first hands its cached
     * blocks back to the driver and tries once more; then throws {@link CudaOutOfMemoryException}.
     */
    static DeviceStorage allocate(CudaContext context, long bytes) {
        if (bytes == 0) {
            return new DeviceStorage(context, DevicePointer.at(0), 0);
        }
        context.makeCurrent();
        int result = DriverCalls.memAllocAsync(bytes, context.stream.handle());
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            CudaException.check(cuStreamSynchronize(context.stream), "cuStreamSynchronize before retrying an allocation");
            context.pool.trimTo(0);
            result = DriverCalls.memAllocAsync(bytes, context.stream.handle());
        }
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] info = context.memoryInfo();
            throw new CudaOutOfMemoryException(context.device.toString(), bytes, info[0], info[1]);
        }
        CudaException.check(result, "cuMemAllocAsync(" + bytes + " bytes)");
        return new DeviceStorage(context, DevicePointer.at(DriverCalls.allocated()), bytes);
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
        context.makeCurrent();
        CudaException.check(DriverCalls.memFreeAsync(pointer.address(), context.stream.handle()),
                "cuMemFreeAsync(" + byteSize() + " bytes)");
    }
}
