package dev.colossus;

/**
 * What {@link Ops#topk} and {@link Ops#sort} return: the values, in x's dtype, and their positions
 * along the dimension, I64, of one shape. Each is a handle of its own; closing this closes both.
 *
 * @param values  the values, in x's dtype
 * @param indices their positions along the dimension, I64
 */
public record ValuesAndIndices(Tensor values, Tensor indices) implements AutoCloseable {
    @Override
    public void close() {
        try (indices) {
            values.close();
        }
    }
}
