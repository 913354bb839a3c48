package dev.colossus.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Copies between pageable host memory and the device through two pinned buffers, so that the DMA
 * engine moves one chunk while the CPU fills or drains the other. Host-side copies of a chunk are
 * split across every core, 1 MiB each: one core alone cannot keep up with PCIe 5.
 *
 * <pre>
 *   to device:  host --memcpy--> pinned[i % 2] --DMA--> device    (wait for pinned[i % 2]'s last DMA first)
 *   to host:    device --DMA--> pinned[i % 2] --memcpy--> host    (chunk i drained while i + 1 moves)
 * </pre>
 *
 * <p>Staging beat page-locking the source in place for the copy ({@code cuMemHostRegister}, one DMA,
 * unlock); the figures, against PyTorch's copies: {@code benchmarks/results/gpu/README.md}.
 */
final class PinnedStaging {
    static final long CHUNK_BYTES = 32L << 20;
    private static final long PIECE_BYTES = 1L << 20;

    private final CudaContext context;
    private final MemorySegment[] buffers = new MemorySegment[2];
    private final HostPointer[] pointers = new HostPointer[2];
    private final CUevent[] done = {new CUevent(), new CUevent()};

    PinnedStaging(CudaContext context) {
        this.context = context;
        for (int i = 0; i < 2; i++) {
            pointers[i] = new HostPointer();
            CudaException.check(cuMemAllocHost(pointers[i], CHUNK_BYTES), "cuMemAllocHost(" + CHUNK_BYTES + " bytes)");
            buffers[i] = pointers[i].segment(CHUNK_BYTES);
            CudaException.check(cuEventCreate(done[i], CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        }
    }

    /** Copies {@code src} to the device at {@code dst}; returns once {@code src} may be reused. */
    synchronized void toDevice(MemorySegment src, DevicePointer dst, String op) {
        context.makeCurrent();
        long bytes = src.byteSize();
        for (long at = 0, chunk = 0; at < bytes; at += CHUNK_BYTES, chunk++) {
            int b = (int) (chunk % 2);
            long n = Math.min(CHUNK_BYTES, bytes - at);
            CudaException.check(cuEventSynchronize(done[b]), "the copy before " + op);
            copy(src, at, buffers[b], 0, n);
            CudaException.check(cuMemcpyHtoDAsync(dst.plus(at), pointers[b], n, context.stream), "cuMemcpyHtoDAsync for " + op);
            CudaException.check(cuEventRecord(done[b], context.stream), "cuEventRecord");
        }
    }

    /** Copies from the device at {@code src} into {@code dst}; returns once {@code dst} holds the data. */
    synchronized void toHost(DevicePointer src, MemorySegment dst, String op) {
        context.makeCurrent();
        long bytes = dst.byteSize();
        long chunks = (bytes + CHUNK_BYTES - 1) / CHUNK_BYTES;
        for (long chunk = 0; chunk <= chunks; chunk++) {
            if (chunk < chunks) {
                int b = (int) (chunk % 2);
                long at = chunk * CHUNK_BYTES;
                CudaException.check(cuMemcpyDtoHAsync(pointers[b], src.plus(at), Math.min(CHUNK_BYTES, bytes - at),
                        context.stream), "cuMemcpyDtoHAsync for " + op);
                CudaException.check(cuEventRecord(done[b], context.stream), "cuEventRecord");
            }
            if (chunk > 0) {
                int b = (int) ((chunk - 1) % 2);
                long at = (chunk - 1) * CHUNK_BYTES;
                CudaException.check(cuEventSynchronize(done[b]), op + " (or a CUDA operation before it)");
                copy(buffers[b], 0, dst, at, Math.min(CHUNK_BYTES, bytes - at));
            }
        }
    }

    private static void copy(MemorySegment from, long fromOffset, MemorySegment to, long toOffset, long bytes) {
        int pieces = (int) ((bytes + PIECE_BYTES - 1) / PIECE_BYTES);
        if (pieces <= 1) {
            MemorySegment.copy(from, fromOffset, to, toOffset, bytes);
            return;
        }
        IntStream.range(0, pieces).parallel().forEach(p -> {
            long start = p * PIECE_BYTES;
            MemorySegment.copy(from, fromOffset + start, to, toOffset + start, Math.min(PIECE_BYTES, bytes - start));
        });
    }
}
