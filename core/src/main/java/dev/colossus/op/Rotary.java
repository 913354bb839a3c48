package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Rotary position embedding: each pair {@code (a, b)} of a row of x turned by its angle,
 * {@code (a cos - b sin, b cos + a sin)}. x and out (..., D) of one shape, D even; cos and sin broadcast
 * to (..., D/2), pair p's values. The pairs: {@code interleaved} (GPT-J) pairs {@code x[2p], x[2p+1]};
 * otherwise (GPT-NeoX, Llama: "rotate half") {@code x[p], x[p + D/2]}.
 *
 * @param x           the input, (..., D)
 * @param cos         the angles' cosines, broadcast to (..., D/2)
 * @param sin         the angles' sines, likewise
 * @param interleaved the GPT-J pairing rather than rotate-half
 * @param out         the result, x's shape and dtype
 */
public record Rotary(Operand x, Operand cos, Operand sin, boolean interleaved, Operand out) implements Op {
    @Override
    public String name() {
        return "rotaryEmbedding";
    }

    @Override
    public List<Operand> inputs() {
        return List.of(x, cos, sin);
    }

    @Override
    public Op map(UnaryOperator<Operand> f) {
        return new Rotary(f.apply(x), f.apply(cos), f.apply(sin), interleaved, f.apply(out));
    }

    /**
     * The pairs' first members in {@code t} (x or out), a view of (..., D/2): {@code t[.., :D/2]}, or {@code t[.., 0::2]} interleaved.
     *
     * @param t x or out
     * @return a view of t
     */
    public Operand firsts(Operand t) {
        int last = t.rank() - 1;
        return interleaved ? t.slice(last, 0, t.dim(last), 2) : t.slice(last, 0, pairs(), 1);
    }

    /**
     * The pairs' second members in {@code t}: {@code t[.., D/2:]}, or {@code t[.., 1::2]} interleaved.
     *
     * @param t x or out
     * @return a view of t
     */
    public Operand seconds(Operand t) {
        int last = t.rank() - 1;
        return interleaved ? t.slice(last, 1, t.dim(last), 2) : t.slice(last, pairs(), t.dim(last), 1);
    }

    /**
     * D/2, the number of pairs in a row.
     *
     * @return the pairs a row
     */
    public long pairs() {
        return x.dim(x.rank() - 1) / 2;
    }
}
