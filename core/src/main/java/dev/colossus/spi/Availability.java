package dev.colossus.spi;

/**
 * What a provider's probe found: whether its backend can run here, and in a few words why or why not
 * ({@code "Vector API, 512-bit, 2 threads"}, {@code "libcuda.so.1 not found"}).
 */
public record Availability(boolean available, String reason) {
    public static Availability available(String detail) {
        return new Availability(true, detail);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }

    @Override
    public String toString() {
        return (available ? "available: " : "unavailable: ") + reason;
    }
}
