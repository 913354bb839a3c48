package dev.colossus.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import dev.colossus.Device;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One GPU as Colossus uses it: the device's primary context (shared with every other library in the
 * process, as the CUDA runtime shares it) and one non-blocking stream on which every copy, kernel and
 * cuBLAS call is issued, so that stream order alone orders them.
 */
final class CudaContext {
    /** Memory the pool keeps cached after synchronisation; {@code -Dcolossus.cuda.poolCacheBytes}. */
    static final long POOL_CACHE_BYTES = CudaOptions.AT_START.poolCacheBytes();

    final Device device;
    final String name;
    final int computeMajor;
    final int computeMinor;
    final int multiprocessors;
    final long totalBytes;
    final CudaStream stream = new CudaStream();
    final DefaultMemoryPool pool;
    final BlockCache blocks = new BlockCache(BlockCache.CAPACITY);
    final ContextHealth health;
    /** Bytes of device memory in live storages (cached blocks not counted). */
    final AtomicLong liveBytes = new AtomicLong();
    /** The most bytes live at once since the context was made or {@link #releaseCachedMemory()} last ran. */
    final AtomicLong peakBytes = new AtomicLong();
    private final Handle context = new Handle();

    CudaContext(int ordinal) {
        JCudaDriver.setExceptionsEnabled(false);
        CudaException.check(cuInit(0), "cuInit");
        CUdevice handle = new CUdevice();
        CudaException.check(cuDeviceGet(handle, ordinal), "cuDeviceGet(" + ordinal + ")");
        CudaException.check(cuDevicePrimaryCtxRetain(context, handle), "cuDevicePrimaryCtxRetain");
        makeCurrent();
        device = Device.cuda(ordinal);
        health = new ContextHealth(device);
        byte[] text = new byte[256];
        CudaException.check(cuDeviceGetName(text, text.length, handle), "cuDeviceGetName");
        int length = 0;
        while (length < text.length && text[length] != 0) {
            length++;
        }
        name = new String(text, 0, length, StandardCharsets.US_ASCII);
        computeMajor = attribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        computeMinor = attribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        multiprocessors = attribute(handle, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] total = new long[1];
        CudaException.check(cuDeviceTotalMem(total, handle), "cuDeviceTotalMem");
        totalBytes = total[0];
        CudaException.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        pool = DefaultMemoryPool.of(ordinal);
        pool.setReleaseThreshold(POOL_CACHE_BYTES);
    }

    /**
     * A context that holds no GPU and calls no driver: the traits of a device of {@code computeMajor}.
     * {@code computeMinor} with {@code multiprocessors}, for host-side tests of what the op families
     * launch ({@code KernelLaunchTest}); it has no stream, no pool, and nothing may run on it.
     */
    CudaContext(String name, int computeMajor, int computeMinor, int multiprocessors) {
        device = Device.cuda(0);
        health = new ContextHealth(device);
        this.name = name;
        this.computeMajor = computeMajor;
        this.computeMinor = computeMinor;
        this.multiprocessors = multiprocessors;
        totalBytes = 0;
        pool = null;
    }

    private static int attribute(CUdevice handle, int attribute) {
        int[] value = new int[1];
        CudaException.check(cuDeviceGetAttribute(value, attribute, handle), "cuDeviceGetAttribute(" + attribute + ")");
        return value[0];
    }

    /** Binds the context to the calling thread; every entry point calls it, the Cleaner's thread included. */
    void makeCurrent() {
        CudaException.check(DriverCalls.ctxSetCurrent(context.address()), "cuCtxSetCurrent");
    }

    /** A {@link CUcontext} whose raw handle can be passed to {@link DriverCalls#ctxSetCurrent}. */
    private static final class Handle extends CUcontext {
        long address() {
            return getNativePointer();
        }
    }

    /** Waits for the stream; {@code after} names what was issued last, for the error message. */
    void synchronize(String after) {
        makeCurrent();
        CudaException.check(cuStreamSynchronize(stream), "a CUDA operation issued up to " + after
                + " (the stream is shared: an earlier op of another thread may have failed)");
    }

    /**
     * Returns the cached small blocks and the pool's free memory to the driver: the blocks are freed in
     * stream order, the stream is waited for, and the pool trimmed to nothing.
     */
    void releaseCachedMemory() {
        makeCurrent();
        for (long address : blocks.drain()) {
            CudaException.check(DriverCalls.memFreeAsync(address, stream.handle()), "cuMemFreeAsync of a cached block");
        }
        CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize before trimming the memory pool");
        pool.trimTo(0);
        peakBytes.set(liveBytes.get());
    }

    /** {@code {free, total}} device memory, in bytes. */
    long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        CudaException.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /** {@code "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)"} */
    String describe() {
        return String.format("%s (sm_%d%d, %d SMs, %.1f GiB)", name, computeMajor, computeMinor, multiprocessors,
                totalBytes / (double) (1L << 30));
    }
}
