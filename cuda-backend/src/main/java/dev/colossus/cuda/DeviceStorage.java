package dev.colossus.cuda;

import dev.colossus.spi.Collector;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import jcuda.driver.CUresult;

/**
 * Device memory in the order of the context's stream, so a block freed while kernels still read it is
 * reused only after they finish: blocks of up to 1 MiB from the context's {@link BlockCache} (off with
 * {@code -Dcolossus.cuda.blockCache=false}), larger ones from the driver's stream-ordered pool.
 */
final class DeviceStorage extends Storage {
    private static final boolean CACHE_BLOCKS = CudaOptions.AT_START.blockCache();
    /** Attempts after a collection when the device is out of memory, sleeping 1, 2, 4 ... ms between. */
    private static final int RETRIES = 6;

    private final CudaContext context;
    private final DevicePointer pointer;
    private final long blockBytes;

    private DeviceStorage(CudaContext context, DevicePointer pointer, long bytes, long blockBytes) {
        super(context.device, bytes);
        this.context = context;
        this.pointer = pointer;
        this.blockBytes = blockBytes;
        context.peakBytes.accumulateAndGet(context.liveBytes.addAndGet(blockBytes), Math::max);
    }

    /**
     * The {@code bytes} at device address {@code address}, owned by no one: for host-side tests of the
     * launch code on a context that holds no GPU, where nothing is read, written or freed.
     */
    static DeviceStorage unowned(CudaContext context, long address, long bytes) {
        return new DeviceStorage(context, DevicePointer.at(address), bytes, 0);
    }

    /**
     * {@code bytes} of uninitialised device memory. When the pool cannot grow, the cached blocks and the
     * pool's free memory go back to the driver and the allocation is tried again; then the collector
     * runs so that the cleaners of unreachable tensors free theirs, and it is tried a few more times
     * over some 60 ms; then it throws {@link CudaOutOfMemoryException}.
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
        for (int retry = 0; result == CUresult.CUDA_ERROR_OUT_OF_MEMORY && retry <= RETRIES; retry++) {
            if (retry > 0) {
                Collector.collectAndAwaitCleaners(context.liveBytes::get);
                sleep(1L << (retry - 1));
            }
            context.releaseCachedMemory();
            result = DriverCalls.memAllocAsync(blockBytes, stream);
        }
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] info = context.memoryInfo();
            throw CudaOutOfMemoryException.allocating(context.device.toString(), bytes, info[0], info[1], context.liveBytes.get());
        }
        CudaException.check(result, "cuMemAllocAsync(" + bytes + " bytes)");
        return new DeviceStorage(context, DevicePointer.at(DriverCalls.allocated()), bytes, blockBytes);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The device address of byte {@code offset}. */
    long address(long offset) {
        return pointer.address() + offset;
    }

    /** The device address of {@code x}'s storage (a {@link KernelLayout} adds the offset); 0 for an absent operand. */
    static long base(Operand x) {
        return x == null ? 0 : ((DeviceStorage) x.storage()).address(0);
    }

    /** The device address of {@code x}'s first element. */
    static long address(Operand x) {
        return base(x) + x.offset() * x.dtype().byteSize();
    }

    DevicePointer pointer(long offset) {
        return pointer.plus(offset);
    }

    /**
     * Back to the block cache or the pool. Nothing to do on a lost context (its memory went with it), so
     * closing tensors after a fault never throws; a failure that loses the context here, perhaps on the
     * cleaner's thread, is recorded in its {@link ContextHealth} for the next op to report.
     */
    @Override
    protected void free() {
        context.liveBytes.addAndGet(-blockBytes);
        if (byteSize() == 0 || context.health.isLost()) {
            return;
        }
        if (CACHE_BLOCKS && blockBytes <= BlockCache.MAX_BYTES && context.blocks.put(blockBytes, pointer.address())) {
            return;
        }
        try {
            context.makeCurrent();
            CudaException.check(DriverCalls.memFreeAsync(pointer.address(), context.stream.handle()),
                    "cuMemFreeAsync(" + byteSize() + " bytes)");
        } catch (CudaException e) {
            throw context.health.failed("freeing " + byteSize() + " bytes on " + Thread.currentThread().getName(), e);
        }
    }
}
