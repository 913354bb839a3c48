package dev.colossus.spi;

import dev.colossus.Device;
import dev.colossus.MemoryStats;
import dev.colossus.op.Op;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A backend: memory and kernels for one device.
 *
 * <p>Ops arrive with every operand validated, broadcast and allocated (see {@link Op}); a backend only
 * computes. An op it does not {@linkplain #supports support} is decomposed into ops it does, on the
 * same device, before it gets here.
 */
public interface Backend {
    /**
     * The provider's name for this backend.
     *
     * @return the name
     */
    String name();

    /**
     * The device whose memory this backend computes on.
     *
     * @return the device
     */
    Device device();

    /**
     * Uninitialised memory of {@code bytes} bytes on {@link #device()}.
     *
     * @param bytes the size
     * @return the storage, holding one reference
     */
    Storage allocate(long bytes);

    /**
     * Copies {@code bytes} bytes from host memory into {@code dst} at {@code dstOffset}.
     *
     * @param src host memory of at least {@code bytes} bytes
     * @param dst storage on this backend's device
     * @param dstOffset where in dst, in bytes
     * @param bytes how many
     */
    void copyFromHost(MemorySegment src, Storage dst, long dstOffset, long bytes);

    /**
     * Copies {@code bytes} bytes of {@code src} from {@code srcOffset} into host memory.
     *
     * @param src storage on this backend's device
     * @param srcOffset where in src, in bytes
     * @param dst host memory of at least {@code bytes} bytes
     * @param bytes how many
     */
    void copyToHost(Storage src, long srcOffset, MemorySegment dst, long bytes);

    /**
     * Whether {@link #execute} computes this op (its kind, dtypes and layouts) itself.
     *
     * @param op the op, its operands on this device
     * @return true when this backend computes it; otherwise the dispatcher rewrites it (a wider dtype, simpler
     *         ops) or throws naming the op
     */
    boolean supports(Op op);

    /**
     * Computes {@code op} into its output operand. Called only for ops that {@link #supports} accepts.
     *
     * @param op the op
     */
    void execute(Op op);

    /** Waits until every op issued so far has finished. */
    void synchronize();

    /**
     * Gives memory this backend keeps for reuse (freed blocks it caches) back to the device's allocator
     * or the operating system. Memory in live tensors is untouched. Does nothing by default.
     */
    default void releaseCachedMemory() {
    }

    /**
     * The memory this backend's tensors hold on its device. Backends on the host share one
     * accounting, which this default gives them; a backend on another device overrides it, or reports
     * nothing.
     *
     * @return the statistics, or empty when this backend keeps none
     */
    default Optional<MemoryStats> memoryStats() {
        return device().equals(Device.CPU) ? Optional.of(HostStorage.memoryStats()) : Optional.empty();
    }
}
