package dev.colossus;

/**
 * What {@link Ops#addRmsNorm} returns: {@code sum = x + residual}, the residual stream that goes on to
 * the next block, and {@code normalized}, its RMS norm. Two handles; closing this closes both.
 *
 * @param sum        {@code x + residual}
 * @param normalized the sum's RMS norm
 */
public record SumAndNorm(Tensor sum, Tensor normalized) implements AutoCloseable {
    @Override
    public void close() {
        try {
            sum.close();
        } finally {
            normalized.close();
        }
    }
}
