package dev.colossus.reference;

import dev.colossus.op.AddRmsNorm;
import dev.colossus.op.Arange;
import dev.colossus.op.Attention;
import dev.colossus.op.Binary;
import dev.colossus.op.Concat;
import dev.colossus.op.Copy;
import dev.colossus.op.CumSum;
import dev.colossus.op.Fill;
import dev.colossus.op.Gather;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.MatMul;
import dev.colossus.op.Op;
import dev.colossus.op.Reduce;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Rotary;
import dev.colossus.op.ScaledMatMul;
import dev.colossus.op.Scatter;
import dev.colossus.op.Softmax;
import dev.colossus.op.TopK;
import dev.colossus.op.Unary;
import dev.colossus.op.Where;

/**
 * The definition of every op on host memory: plain loops, accumulation in double (long for integers).
 * Slow by design; other backends are tested against it.
 */
public final class ReferenceKernels {
    private ReferenceKernels() {
    }

    /**
     * Computes {@code op}, whose operands are all in host memory.
     *
     * @param op the op
     */
    public static void execute(Op op) {
        switch (op) {
            case Copy c -> ReferenceElementwise.copy(c);
            case Fill f -> ReferenceElementwise.fill(f);
            case Arange a -> ReferenceElementwise.arange(a);
            case Unary u -> ReferenceElementwise.unary(u);
            case Binary b -> ReferenceElementwise.binary(b);
            case Where w -> ReferenceElementwise.where(w);
            case Reduce r -> ReferenceReduce.reduce(r);
            case MatMul m -> ReferenceMatMul.matmul(m);
            case Gather g -> ReferenceIndexing.gather(g);
            case Scatter s -> ReferenceIndexing.scatter(s);
            case CumSum c -> ReferencePositions.cumsum(c);
            case TopK t -> ReferenceOrdering.topk(t);
            case Rotary r -> ReferencePositions.rotary(r);
            case Softmax s -> ReferenceNorms.softmax(s);
            case LayerNorm n -> ReferenceNorms.layerNorm(n);
            case RmsNorm n -> ReferenceNorms.rmsNorm(n);
            case AddRmsNorm n -> ReferenceNorms.addRmsNorm(n);
            case Attention a -> ReferenceAttention.attention(a);
            case ScaledMatMul s -> ReferenceMatMul.scaledMatmul(s);
            case Concat c -> c.copies().forEach(ReferenceElementwise::copy);
        }
    }
}
