package dev.colossus;

/**
 * What {@link Ops#toFp8} returns: 8-bit values and the scale that brings them back,
 * {@code x ~ values * scale}. Each is a handle of its own; closing this closes both.
 *
 * @param values the values divided by the scale, F8E4M3 or F8E5M2
 * @param scale the dequantisation scale, a one-element F32 tensor of shape ()
 */
public record ScaledTensor(Tensor values, Tensor scale) implements AutoCloseable {
    @Override
    public void close() {
        try (scale) {
            values.close();
        }
    }
}
