package dev.colossus;

import dev.colossus.op.MatMul;
import dev.colossus.op.UnaryFn;
import dev.colossus.spi.Operand;

/** Matmul, addmm and linear as one product: shapes checked and broadcast, the op dispatched, vector operands squeezed back. */
final class Products {
    private Products() {
    }

    /** {@code act(alpha * (a @ b) + beta * c)} with matmul's shape rules; {@code c} and {@code act} may be null. */
    static Tensor product(String op, Tensor a, Tensor b, Tensor c, double alpha, double beta, UnaryFn act) {
        Operand x = OpChecks.open(op, a);
        Operand y = OpChecks.open(op, b);
        Operand z = c == null ? null : OpChecks.open(op, c);
        Device device = z == null ? OpChecks.sameDevice(op, x, y) : OpChecks.sameDevice(op, x, y, z);
        DType dtype = OpChecks.sameDType(op, x, y);
        if (z != null) {
            OpChecks.sameDType(op, x, z);
        }
        OpChecks.requireFloating(op, x);
        Factors factors = factors(op, x, y);
        Shape outShape = factors.outShape();
        Operand addend = null;
        if (z != null) {
            Operand z2 = z;
            if (y.rank() == 1 && z2.rank() >= 1) {
                z2 = z2.unsqueeze(z2.rank());
            }
            if (x.rank() == 1 && z2.rank() >= 2) {
                z2 = z2.unsqueeze(z2.rank() - 2);
            }
            if (!z2.shape().broadcastsTo(outShape)) {
                throw new IllegalArgumentException(op + ": c " + z.shape() + " does not broadcast to the product's shape "
                        + (x.rank() == 1 || y.rank() == 1 ? "" : outShape.toString()) + " of " + x.shape() + " x " + y.shape());
            }
            addend = z2.broadcastTo(outShape);
        }
        Operand c3 = addend;
        Operand out = Dispatcher.compute(op, device, dtype, outShape,
                o -> folded(new MatMul(factors.lhs(), factors.rhs(), c3, alpha, beta, act, o)), a, b, c);
        return Tensor.adopt(factors.squeezed(out));
    }

    /**
     * The factors of {@code x @ y} as a product's op takes them: a vector made a matrix (x a row, y a
     * column), the batch dimensions broadcast; {@code (..., M, K) x (..., K, N) -> (..., M, N)}.
     *
     * @param lhs      x as (batch, M, K)
     * @param rhs      y as (batch, K, N)
     * @param outShape (batch, M, N)
     * @param x        x as given
     * @param y        y as given
     */
    record Factors(Operand lhs, Operand rhs, Shape outShape, Operand x, Operand y) {
        /** The product without the dimensions a vector factor gained: {@code x @ y}'s shape as NumPy gives it. */
        Operand squeezed(Operand out) {
            Operand squeezed = y.rank() == 1 ? out.squeeze(out.rank() - 1) : out;
            return x.rank() == 1 ? squeezed.squeeze(squeezed.rank() - (y.rank() == 1 ? 1 : 2)) : squeezed;
        }
    }

    /** {@code x @ y}'s factors by {@code matmul}'s shape rules; throws, naming {@code op} and the shapes, where they do not fit. */
    static Factors factors(String op, Operand x, Operand y) {
        if (x.rank() == 0 || y.rank() == 0) {
            throw new IllegalArgumentException(op + ": " + x.shape() + " x " + y.shape()
                    + ": both operands need at least one dimension");
        }
        Operand x2 = x.rank() == 1 ? x.unsqueeze(0) : x;
        Operand y2 = y.rank() == 1 ? y.unsqueeze(1) : y;
        long m = x2.dim(-2), k = x2.dim(-1), n = y2.dim(-1);
        if (k != y2.dim(-2)) {
            throw new IllegalArgumentException(op + ": " + x.shape() + " x " + y.shape() + ": inner dimensions "
                    + k + " and " + y2.dim(-2) + " differ");
        }
        Shape batchA = x2.shape().prefix(x2.rank() - 2);
        Shape batchB = y2.shape().prefix(y2.rank() - 2);
        Shape batch;
        try {
            batch = Shape.broadcast(op, batchA, batchB);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + x.shape() + " x " + y.shape() + ": batch dimensions "
                    + batchA + " and " + batchB + " do not broadcast");
        }
        return new Factors(x2.broadcastTo(batch.append(m, k)), y2.broadcastTo(batch.append(k, n)), batch.append(m, n), x, y);
    }

    /**
     * A batch of products whose right operand is one matrix for every member (a weight under inputs
     * (..., M, K), as {@code linear} makes) as one product of (batch M, K) by (K, N), where the left
     * operand's and the addend's layouts fold their batch dimensions into the rows without a copy: one
     * GEMM, the weight packed once, in place of a small one per batch member. Otherwise {@code product}
     * as it is.
     */
    private static MatMul folded(MatMul product) {
        Operand a = product.a(), b = product.b(), c = product.c(), out = product.out();
        int batchRank = out.rank() - 2;
        if (batchRank == 0 || out.numel() == 0 || out.numel() == out.dim(-2) * out.dim(-1)) {
            return product;
        }
        long rows = out.numel() / out.dim(-1);
        for (int d = 0; d < batchRank; d++) {
            if (b.strides()[d] != 0 && b.dim(d) != 1) {
                return product;
            }
        }
        Shape flatA = Shape.of(rows, a.dim(-1)), flatOut = Shape.of(rows, out.dim(-1));
        Operand a2 = a.reshapeView(flatA);
        Operand c2 = c == null ? null : c.reshapeView(flatOut);
        if (a2 == null || (c != null && c2 == null)) {
            return product;
        }
        Operand b2 = b.withLayout(Shape.of(b.dim(-2), b.dim(-1)), new long[] {b.strides()[batchRank], b.strides()[batchRank + 1]},
                b.offset());
        return new MatMul(a2, b2, c2, product.alpha(), product.beta(), product.activation(), out.reshapeView(flatOut));
    }
}
