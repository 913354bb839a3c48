package dev.colossus.spi;

/**
 * What a provider's probe found: whether its backend can run here, and in a few words why or why not
 * ({@code "Vector API, 512-bit, 2 threads"}, {@code "libcuda.so.1 not found"}).
 *
 * @param available whether the backend can run here
 * @param reason   what the probe found, in a few words
 */
public record Availability(boolean available, String reason) {
    /**
     * A backend that can run here.
     *
     * @param detail what it will run with
     * @return the availability
     */
    public static Availability available(String detail) {
        return new Availability(true, detail);
    }

    /**
     * A backend that cannot run here.
     *
     * @param reason why not
     * @return the availability
     */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }

    @Override
    public String toString() {
        return (available ? "available: " : "unavailable: ") + reason;
    }
}
