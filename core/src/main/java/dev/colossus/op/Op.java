package dev.colossus.op;

import dev.colossus.spi.Operand;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One operation, with its operands already validated, broadcast and allocated.
 *
 * <p>The set is small on purpose: primitives every backend implements ({@link Copy}, {@link Fill},
 * {@link Arange}, {@link Unary}, {@link Binary}, {@link Where}, {@link Reduce}, {@link MatMul},
 * {@link Gather}, {@link Scatter}, {@link CumSum}, {@link TopK}) and
 * composites that a backend may fuse or leave to {@link Decompositions} ({@link MatMul}'s epilogue, {@link Softmax},
 * {@link LayerNorm}, {@link RmsNorm}, {@link AddRmsNorm}, {@link Attention}, {@link Rotary}, {@link
 * ScaledMatMul}, {@link Concat}).
 *
 * <p>The output of every op but {@link Copy}, {@link Fill} and {@link Scatter} (which write into views) is
 * contiguous, and no op's output aliases its inputs. Each op
 * has one output; {@link AddRmsNorm}'s two results are stacked in it.
 */
public sealed interface Op
        permits Copy, Fill, Arange, Unary, Binary, Where, Reduce, MatMul, Gather, Scatter, CumSum, TopK, Softmax, LayerNorm,
        RmsNorm, AddRmsNorm, Attention, Rotary, ScaledMatMul, Concat {

    /**
     * The op's name in the public API, as error messages use it.
     *
     * @return the name
     */
    String name();

    /**
     * The operands it reads, in order; optional operands that are absent are left out.
     *
     * @return the inputs
     */
    List<Operand> inputs();

    /**
     * The operand it writes.
     *
     * @return the output
     */
    Operand out();

    /**
     * The same op over other operands: {@code f} applied to every operand, inputs and output.
     *
     * @param f the mapping
     * @return a new op of the same kind
     */
    Op map(UnaryOperator<Operand> f);
}
