package dev.colossus;

import java.util.Objects;

/**
 * Where a tensor's memory lives: the host ({@link #CPU}) or an accelerator such as {@code cuda:0}.
 *
 * @param type  the kind of memory, {@code "cpu"} or {@code "cuda"}
 * @param index which device of that kind; always 0 for the host
 */
public record Device(String type, int index) {
    /** The host: {@code cpu:0}. */
    public static final Device CPU = new Device("cpu", 0);

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException when the index is negative
     */
    public Device {
        Objects.requireNonNull(type, "type");
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + type + ":" + index);
        }
    }

    /**
     * The CUDA device of that ordinal.
     *
     * @param index the ordinal, as CUDA numbers the devices
     * @return {@code cuda:index}
     */
    public static Device cuda(int index) {
        return new Device("cuda", index);
    }

    @Override
    public String toString() {
        return this.equals(CPU) ? "cpu" : type + ":" + index;
    }
}
