package dev.colossus;

import dev.colossus.op.AddRmsNorm;
import dev.colossus.op.Attention;
import dev.colossus.op.Binary;
import dev.colossus.op.BinaryFn;
import dev.colossus.op.Fill;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.ReduceFn;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Softmax;
import dev.colossus.op.Unary;
import dev.colossus.op.UnaryFn;
import dev.colossus.op.Where;
import dev.colossus.spi.Operand;
import java.util.stream.LongStream;

/**
 * The math of Colossus, as functions of tensors that return new tensors.
 *
 * <p>Each function checks its arguments and throws an {@link IllegalArgumentException} naming the
 * function, the shapes, the dtypes and devices involved when they do not fit
 * ({@code matmul: (3,4) x (5,6): inner dimensions 4 and 5 differ}); then it runs on the backend of the
 * operands' device (see {@link Backends}). Binary operands share one dtype (cast explicitly with
 * {@link Tensor#to(DType)}); scalar operands take the tensor's dtype. Shapes broadcast as in NumPy.
 */
public final class Ops {
    private Ops() {
    }

    // ---- matmul and attention ----

    /**
     * The matrix product, as NumPy's {@code matmul}:
     * {@code (..., M, K) x (..., K, N) -> (..., M, N)} with the batch dimensions broadcast; a 1-D left
     * operand is a row (its dimension removed from the result), a 1-D right operand a column.
     * Transposed and strided views are read in place. F16/BF16 accumulate in F32.
     *
     * @param a the left operand, (..., M, K) or (K)
     * @param b the right operand, (..., K, N) or (K)
     * @return a new tensor, (..., M, N)
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        return Products.product("matmul", a, b, null, 1, 0, null);
    }

    /**
     * {@code beta * c + alpha * (a @ b)}, as BLAS's GEMM: {@code a @ b} as {@link #matmul}, {@code c}
     * broadcast to its shape, the scaling and the sum fused into the product where the backend can.
     * When {@code beta} is 0, {@code c} is not read (NaN in it does not propagate).
     *
     * @param c the addend, broadcast to the product's shape
     * @param a the left factor, (..., M, K)
     * @param b the right factor, (..., K, N)
     * @param beta c's scale
     * @param alpha the product's scale
     * @return a new tensor, (..., M, N)
     */
    public static Tensor addmm(Tensor c, Tensor a, Tensor b, double beta, double alpha) {
        if (c == null) {
            throw new IllegalArgumentException("addmm: c is null (use matmul for a product without addend)");
        }
        return Products.product("addmm", a, b, c, alpha, beta, null);
    }

    /**
     * An 8-bit float product with per-tensor scales, as Transformer Engine's and {@code
     * torch._scaled_mm}: {@code (scaleA * scaleB) (a @ b)}, rounded to {@code outDtype}; a (..., M, K)
     * and b (..., K, N) with {@link #matmul}'s shape rules, each F8E4M3 or F8E5M2; the scales the
     * dequantisation scales {@link #toFp8} returns. On the CPU a and b are widened to F32 and multiplied
     * there: correct, not fast (each is copied first). On CUDA cuBLASLt multiplies them as they are
     * (Ada and Hopper; a (M, K) and b K-major, a weight (N, K) transposed, K a multiple of 16), code
     * that has not yet run on a GPU and is taken only with {@code
     * -Dcolossus.cuda.unvalidatedKernels=true}; other layouts, and every product without that setting,
     * are refused there (no kernel widens 8-bit floats on the GPU).
     *
     * @param a the left factor, F8E4M3 or F8E5M2
     * @param b the right factor, F8E4M3 or F8E5M2
     * @param scaleA a's scale: one floating-point value
     * @param scaleB b's scale: one floating-point value
     * @param outDtype F32, BF16 or F16
     * @return a new tensor, (..., M, N)
     */
    public static Tensor scaledMatmul(Tensor a, Tensor b, Tensor scaleA, Tensor scaleB, DType outDtype) {
        return Fp8.scaledMatmul(a, b, scaleA, scaleB, outDtype);
    }

    /**
     * {@code x} in 8 bits with a per-tensor scale, as Transformer Engine casts activations and weights:
     * {@code scale = amax(|x|) / largest}, where largest is the format's largest finite value (448
     * for F8E4M3, 57344 for F8E5M2), rounded to F32 (1 when x is all zeros or empty); {@code values =
     * x / scale} cast to {@code dtype} (to nearest even, saturating). So {@code values * scale}
     * gives x back to the format's precision, and the largest magnitude lands on the largest value.
     *
     * @param x the values, any floating-point dtype, all finite
     * @param dtype F8E4M3 or F8E5M2
     * @return the 8-bit values and their scale
     * @throws IllegalArgumentException when x holds an infinity or NaN
     */
    public static ScaledTensor toFp8(Tensor x, DType dtype) {
        return Fp8.toFp8(x, dtype);
    }

    /**
     * A fully connected layer: {@code x @ weight^T + bias}; x (..., in), weight (out, in), bias (out)
     * or {@code null}, result (..., out). The transpose is a view and the bias add is fused into the
     * product.
     *
     * @param x the inputs, (..., in)
     * @param weight the weights, (out, in)
     * @param bias the biases, (out), or {@code null}
     * @return a new tensor, (..., out)
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return linear(x, weight, bias, null);
    }

    /**
     * A fully connected layer and its activation: {@code act(x @ weight^T + bias)}, as {@link
     * #linear(Tensor, Tensor, Tensor)} with {@code act} (e.g. {@link UnaryFn#GELU}, {@link UnaryFn#SILU})
     * applied to each element before it is rounded to x's dtype: one pass where the backend fuses it
     * (the CPU and CUDA backends do), {@code null} for none.
     *
     * @param x the inputs, (..., in)
     * @param weight the weights, (out, in)
     * @param bias the biases, (out), or {@code null}
     * @param activation the function applied to each output, or {@code null}
     * @return a new tensor, (..., out)
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, UnaryFn activation) {
        String op = activation == null ? "linear" : "linear+" + activation.apiName();
        Operand w = OpChecks.open(op, weight);
        if (w.rank() != 2) {
            throw new IllegalArgumentException(op + ": weight " + w.shape() + " must be (out, in)");
        }
        Operand xs = OpChecks.open(op, x);
        if (xs.rank() == 0 || xs.dim(-1) != w.dim(1)) {
            throw new IllegalArgumentException(op + ": x " + xs.shape() + " and weight " + w.shape()
                    + ": x's last dimension must be weight's in = " + w.dim(1));
        }
        if (bias != null) {
            Operand bs = OpChecks.open(op, bias);
            if (bs.rank() != 1 || bs.dim(0) != w.dim(0)) {
                throw new IllegalArgumentException(op + ": bias " + bs.shape() + " must be (" + w.dim(0) + ")");
            }
        }
        try (Tensor wt = weight.transpose(0, 1)) {
            return Products.product(op, x, wt, bias, 1, bias == null ? 0 : 1, activation);
        }
    }

    /**
     * Attention with the {@linkplain AttentionOptions#defaults() defaults}: not causal, no mask, scale {@code 1/sqrt(D)}.
     *
     * @param q the queries, (B, Hq, Lq, D)
     * @param k the keys, (B, Hkv, Lk, D), Hq a multiple of Hkv
     * @param v the values, (B, Hkv, Lk, Dv)
     * @return a new tensor, (B, Hq, Lq, Dv)
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v) {
        return scaledDotProductAttention(q, k, v, AttentionOptions.defaults());
    }

    /**
     * {@code softmax(scale * q k^T + mask) v} per batch and head, as defined by {@link Attention}:
     * q (B, Hq, Lq, D), k (B, Hkv, Lk, D), v (B, Hkv, Lk, Dv) give (B, Hq, Lq, Dv); query head
     * {@code h} reads key/value head {@code h / (Hq / Hkv)} (grouped-query attention).
     *
     * <p>The result's memory is laid out (B, Lq, Hq, Dv), as PyTorch's fused kernels lay theirs: it is
     * not contiguous (unless Hq or Lq is 1), and {@code out.transpose(1, 2).reshape(B, Lq, Hq * Dv)},
     * the heads joined for an output projection, is a view, not a copy.
     *
     * @param q the queries, (B, Hq, Lq, D)
     * @param k the keys, (B, Hkv, Lk, D), Hq a multiple of Hkv
     * @param v the values, (B, Hkv, Lk, Dv)
     * @param options causality, mask, scale
     * @return a new tensor, (B, Hq, Lq, Dv), laid out (B, Lq, Hq, Dv)
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        AttentionInputs a = AttentionInputs.of(q, k, v, options);
        Operand byQuery = Dispatcher.compute(AttentionInputs.ATTENTION, a.device(), a.q().dtype(), a.outShapeByQuery(),
                out -> a.op(out.transpose(1, 2), null), q, k, v, options.mask());
        return Tensor.adopt(byQuery.transpose(1, 2));
    }

    /**
     * {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, AttentionOptions)}'s result and, beside
     * it, each query row's {@code logSumExp = log sum_j exp(s[i, j])} over the same scaled, masked scores,
     * (B, Hq, Lq): F32, or F64 for F64 inputs; -Inf for a row that sees no key. With it, attention over
     * separate blocks of keys merges exactly, and a backward pass needs no second softmax.
     *
     * @param q the queries, (B, Hq, Lq, D)
     * @param k the keys, (B, Hkv, Lk, D), Hq a multiple of Hkv
     * @param v the values, (B, Hkv, Lk, Dv)
     * @param options causality, mask, scale
     * @return the output and the log-sum-exp of each query's scores
     */
    public static AttentionResult scaledDotProductAttentionWithLogSumExp(Tensor q, Tensor k, Tensor v, AttentionOptions options) {
        AttentionInputs a = AttentionInputs.of(q, k, v, options);
        DType dtype = a.q().dtype();
        Operand logSumExp = Dispatcher.allocate(AttentionInputs.ATTENTION, a.device(), dtype == DType.F64 ? DType.F64 : DType.F32,
                Shape.of(a.q().dim(0), a.q().dim(1), a.q().dim(2)));
        try {
            Operand byQuery = Dispatcher.compute(AttentionInputs.ATTENTION, a.device(), dtype, a.outShapeByQuery(),
                    o -> a.op(o.transpose(1, 2), logSumExp), q, k, v, options.mask());
            return new AttentionResult(Tensor.adopt(byQuery.transpose(1, 2)), Tensor.adopt(logSumExp));
        } catch (RuntimeException | Error e) {
            Dispatcher.releaseAfterFailure(logSumExp.storage(), e);
            throw e;
        }
    }

    // ---- elementwise, one argument ----

    /**
     * {@code -x}
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor neg(Tensor x) {
        return unary(UnaryFn.NEG, x);
    }

    /**
     * {@code |x|}
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor abs(Tensor x) {
        return unary(UnaryFn.ABS, x);
    }

    /**
     * {@code e^x}
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor exp(Tensor x) {
        return unary(UnaryFn.EXP, x);
    }

    /**
     * The natural logarithm: NaN below 0, -Inf at ±0.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor log(Tensor x) {
        return unary(UnaryFn.LOG, x);
    }

    /**
     * The square root: NaN below 0.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor sqrt(Tensor x) {
        return unary(UnaryFn.SQRT, x);
    }

    /**
     * {@code 1 / sqrt(x)}
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor rsqrt(Tensor x) {
        return unary(UnaryFn.RSQRT, x);
    }

    /**
     * The hyperbolic tangent.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor tanh(Tensor x) {
        return unary(UnaryFn.TANH, x);
    }

    /**
     * {@code 1 / (1 + exp(-x))}
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor sigmoid(Tensor x) {
        return unary(UnaryFn.SIGMOID, x);
    }

    /**
     * {@code max(x, 0)}
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor relu(Tensor x) {
        return unary(UnaryFn.RELU, x);
    }

    /**
     * GELU, exact form: {@code x/2 * (1 + erf(x / sqrt(2)))}
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor gelu(Tensor x) {
        return unary(UnaryFn.GELU, x);
    }

    /**
     * GELU, tanh approximation: {@code x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))}
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor geluTanh(Tensor x) {
        return unary(UnaryFn.GELU_TANH, x);
    }

    /**
     * SiLU (swish): {@code x / (1 + exp(-x))}
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor silu(Tensor x) {
        return unary(UnaryFn.SILU, x);
    }

    /**
     * The sine, x in radians.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor sin(Tensor x) {
        return unary(UnaryFn.SIN, x);
    }

    /**
     * The cosine, x in radians.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor cos(Tensor x) {
        return unary(UnaryFn.COS, x);
    }

    /**
     * The error function, {@code 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt}.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor erf(Tensor x) {
        return unary(UnaryFn.ERF, x);
    }

    /**
     * The largest integer not above x (integers unchanged).
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor floor(Tensor x) {
        return unary(UnaryFn.FLOOR, x);
    }

    /**
     * The smallest integer not below x (integers unchanged).
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor ceil(Tensor x) {
        return unary(UnaryFn.CEIL, x);
    }

    /**
     * The nearest integer, halves to even: {@code round(0.5) = 0}, {@code round(1.5) = 2} (integers unchanged).
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor round(Tensor x) {
        return unary(UnaryFn.ROUND, x);
    }

    /**
     * -1, 0 or 1 by x's sign; ±0 and NaN stay as they are.
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor sign(Tensor x) {
        return unary(UnaryFn.SIGN, x);
    }

    /**
     * {@code 1 / x}
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor reciprocal(Tensor x) {
        return unary(UnaryFn.RECIPROCAL, x);
    }

    /**
     * {@code x * x}
     *
     * @param x the input
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor square(Tensor x) {
        return unary(UnaryFn.SQUARE, x);
    }

    /**
     * {@code log(1 + x)}, accurate for small x.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor log1p(Tensor x) {
        return unary(UnaryFn.LOG1P, x);
    }

    /**
     * {@code exp(x) - 1}, accurate for small x.
     *
     * @param x the input, floating point
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor expm1(Tensor x) {
        return unary(UnaryFn.EXPM1, x);
    }

    /**
     * x limited to {@code [min, max]}: {@code minimum(maximum(x, min), max)}; an infinite bound is none
     * (so {@code clamp(x, 0, Double.POSITIVE_INFINITY)} has no upper one). NaN stays NaN.
     *
     * @param x the input
     * @param min the lower bound
     * @param max the upper bound
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor clamp(Tensor x, double min, double max) {
        if (!(min <= max)) {
            throw new IllegalArgumentException("clamp: min " + min + " must not exceed max " + max);
        }
        try (Tensor low = min == Double.NEGATIVE_INFINITY ? x.to(x.dtype()) : maximum(x, min)) {
            return max == Double.POSITIVE_INFINITY ? low.to(low.dtype()) : minimum(low, max);
        }
    }

    private static Tensor unary(UnaryFn fn, Tensor x) {
        String op = fn.apiName();
        Operand in = OpChecks.open(op, x);
        boolean integral = !in.dtype().isFloatingPoint() && in.dtype() != DType.BOOL;
        if (!in.dtype().isFloatingPoint() && !(integral && fn.isIntegral())) {
            throw new IllegalArgumentException(op + ": " + in.describe() + ": dtype " + in.dtype()
                    + " is not floating point; cast with to(DType.F32)");
        }
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), in.shape(),
                out -> new Unary(fn, in, out), x));
    }

    // ---- elementwise, two arguments ----

    /**
     * {@code a + b}, elementwise.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor add(Tensor a, Tensor b) {
        return binary(BinaryFn.ADD, a, b);
    }

    /**
     * {@code a + b} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor add(Tensor a, double b) {
        return binary(BinaryFn.ADD, a, b);
    }

    /**
     * {@code a - b}, elementwise.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor sub(Tensor a, Tensor b) {
        return binary(BinaryFn.SUB, a, b);
    }

    /**
     * {@code a - b} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor sub(Tensor a, double b) {
        return binary(BinaryFn.SUB, a, b);
    }

    /**
     * {@code a * b}, elementwise.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor mul(Tensor a, Tensor b) {
        return binary(BinaryFn.MUL, a, b);
    }

    /**
     * {@code a * b} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor mul(Tensor a, double b) {
        return binary(BinaryFn.MUL, a, b);
    }

    /**
     * {@code a / b}, elementwise.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor div(Tensor a, Tensor b) {
        return binary(BinaryFn.DIV, a, b);
    }

    /**
     * {@code a / b} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor div(Tensor a, double b) {
        return binary(BinaryFn.DIV, a, b);
    }

    /**
     * {@code a^b}, elementwise.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor pow(Tensor a, Tensor b) {
        return binary(BinaryFn.POW, a, b);
    }

    /**
     * {@code a^b} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor pow(Tensor a, double b) {
        return binary(BinaryFn.POW, a, b);
    }

    /**
     * Elementwise maximum; NaN if either is NaN.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor maximum(Tensor a, Tensor b) {
        return binary(BinaryFn.MAXIMUM, a, b);
    }

    /**
     * {@link #maximum(Tensor, Tensor)} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor maximum(Tensor a, double b) {
        return binary(BinaryFn.MAXIMUM, a, b);
    }

    /**
     * Elementwise minimum; NaN if either is NaN.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor minimum(Tensor a, Tensor b) {
        return binary(BinaryFn.MINIMUM, a, b);
    }

    /**
     * {@link #minimum(Tensor, Tensor)} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor minimum(Tensor a, double b) {
        return binary(BinaryFn.MINIMUM, a, b);
    }

    /**
     * {@code a - floor(a / b) * b} with b's sign, as Python's {@code %}; on integers {@code remainder(a, 0) = a}.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor remainder(Tensor a, Tensor b) {
        return binary(BinaryFn.REMAINDER, a, b);
    }

    /**
     * {@link #remainder(Tensor, Tensor)} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor remainder(Tensor a, double b) {
        return binary(BinaryFn.REMAINDER, a, b);
    }

    /**
     * {@code floor(a / b)}, as Python's {@code //}; on integers {@code floorDivide(a, 0) = 0}.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor floorDivide(Tensor a, Tensor b) {
        return binary(BinaryFn.FLOOR_DIVIDE, a, b);
    }

    /**
     * {@link #floorDivide(Tensor, Tensor)} with a scalar b.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new tensor of a's shape and dtype
     */
    public static Tensor floorDivide(Tensor a, double b) {
        return binary(BinaryFn.FLOOR_DIVIDE, a, b);
    }

    /**
     * {@code a == b} as BOOL.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new BOOL tensor of the broadcast shape
     */
    public static Tensor eq(Tensor a, Tensor b) {
        return binary(BinaryFn.EQ, a, b);
    }

    /**
     * {@code a != b} as BOOL.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new BOOL tensor of the broadcast shape
     */
    public static Tensor ne(Tensor a, Tensor b) {
        return binary(BinaryFn.NE, a, b);
    }

    /**
     * {@code a < b} as BOOL.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new BOOL tensor of the broadcast shape
     */
    public static Tensor lt(Tensor a, Tensor b) {
        return binary(BinaryFn.LT, a, b);
    }

    /**
     * {@code a <= b} as BOOL.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new BOOL tensor of the broadcast shape
     */
    public static Tensor le(Tensor a, Tensor b) {
        return binary(BinaryFn.LE, a, b);
    }

    /**
     * {@code a > b} as BOOL.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new BOOL tensor of the broadcast shape
     */
    public static Tensor gt(Tensor a, Tensor b) {
        return binary(BinaryFn.GT, a, b);
    }

    /**
     * {@code a >= b} as BOOL.
     *
     * @param a the first operand
     * @param b the second operand, broadcast with a
     * @return a new BOOL tensor of the broadcast shape
     */
    public static Tensor ge(Tensor a, Tensor b) {
        return binary(BinaryFn.GE, a, b);
    }

    /**
     * {@code a > b} as BOOL, against a scalar.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new BOOL tensor of a's shape
     */
    public static Tensor gt(Tensor a, double b) {
        return binary(BinaryFn.GT, a, b);
    }

    /**
     * {@code a < b} as BOOL, against a scalar.
     *
     * @param a the tensor
     * @param b the scalar, taken in a's dtype
     * @return a new BOOL tensor of a's shape
     */
    public static Tensor lt(Tensor a, double b) {
        return binary(BinaryFn.LT, a, b);
    }

    private static Tensor binary(BinaryFn fn, Tensor a, double b) {
        Operand x = OpChecks.open(fn.apiName(), a);
        try (Tensor scalar = scalarLike(fn.apiName(), x, b)) {
            return binary(fn, a, scalar);
        }
    }

    private static Tensor binary(BinaryFn fn, Tensor a, Tensor b) {
        String op = fn.apiName();
        Operand x = OpChecks.open(op, a);
        Operand y = OpChecks.open(op, b);
        Device device = OpChecks.sameDevice(op, x, y);
        DType dtype = OpChecks.sameDType(op, x, y);
        boolean allowed = dtype.isFloatingPoint()
                || dtype == DType.BOOL && (fn == BinaryFn.EQ || fn == BinaryFn.NE)
                || dtype != DType.BOOL && fn.isIntegral();
        if (!allowed) {
            throw new IllegalArgumentException(op + ": " + x.describe() + " and " + y.describe() + ": " + op
                    + " is not defined on " + dtype + "; cast with to(DType.F32)");
        }
        Shape shape = Shape.broadcast(op, x.shape(), y.shape());
        DType outType = fn.isComparison() ? DType.BOOL : dtype;
        Operand lhs = x.broadcastTo(shape);
        Operand rhs = y.broadcastTo(shape);
        return Tensor.adopt(Dispatcher.compute(op, device, outType, shape, out -> new Binary(fn, lhs, rhs, out), a, b));
    }

    /**
     * {@code condition ? a : b}, elementwise, the three broadcast together; condition is BOOL.
     *
     * @param condition which to take, BOOL
     * @param a the values where condition holds
     * @param b the values where it does not, a's dtype
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        String op = "where";
        Operand c = OpChecks.open(op, condition);
        Operand x = OpChecks.open(op, a);
        Operand y = OpChecks.open(op, b);
        Device device = OpChecks.sameDevice(op, c, x, y);
        if (c.dtype() != DType.BOOL) {
            throw new IllegalArgumentException(op + ": condition " + c.describe() + " must be BOOL");
        }
        DType dtype = OpChecks.sameDType(op, x, y);
        Shape shape = Shape.broadcast(op, Shape.broadcast(op, c.shape(), x.shape()), y.shape());
        Operand cond = c.broadcastTo(shape);
        Operand lhs = x.broadcastTo(shape);
        Operand rhs = y.broadcastTo(shape);
        return Tensor.adopt(Dispatcher.compute(op, device, dtype, shape, out -> new Where(cond, lhs, rhs, out), condition, a, b));
    }

    /**
     * {@code condition ? a : b} with a scalar {@code b} in a's dtype.
     *
     * @param condition which to take, BOOL
     * @param a the values where condition holds
     * @param b the value where it does not
     * @return a new tensor of the broadcast shape, a's dtype
     */
    public static Tensor where(Tensor condition, Tensor a, double b) {
        try (Tensor scalar = scalarLike("where", OpChecks.open("where", a), b)) {
            return where(condition, a, scalar);
        }
    }

    /**
     * {@code condition ? a : b} with a scalar {@code a} in b's dtype.
     *
     * @param condition which to take, BOOL
     * @param a the value where condition holds
     * @param b the values where it does not
     * @return a new tensor of the broadcast shape, b's dtype
     */
    public static Tensor where(Tensor condition, double a, Tensor b) {
        try (Tensor scalar = scalarLike("where", OpChecks.open("where", b), a)) {
            return where(condition, scalar, b);
        }
    }

    // ---- indexing ----

    /**
     * The slices of x at {@code indices} along {@code dim}, in their order: {@code out[.., j, ..] =
     * x[.., indices[j], ..]}; indices I32 or I64, 1-D (or 0-D: the dimension removed).
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @param indices the positions along dim to take, I32 or I64
     * @return a new tensor, dim replaced by indices' shape
     * @throws IndexOutOfBoundsException naming the index, its position and the size, before anything
     *         is written, when an index lies outside {@code [0, x.size(dim))}
     */
    public static Tensor indexSelect(Tensor x, int dim, Tensor indices) {
        return Indexing.indexSelect("indexSelect", x, dim, indices);
    }

    /**
     * An embedding lookup: row {@code ids[i]} of weight (V, D) for every index i of ids (any shape, I32
     * or I64), giving (ids..., D); {@code indexSelect(weight, 0, ids)} reshaped.
     *
     * @param weight the table, (V, D)
     * @param ids the rows to take, I32 or I64, any shape
     * @return a new tensor, ids' shape + (D)
     * @throws IndexOutOfBoundsException for an id outside {@code [0, V)}, before anything is written
     */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        return Indexing.embedding(weight, ids);
    }

    /**
     * {@code out[i] = x[i with i_dim replaced by index[i]]}, as {@code torch.gather}: index (I32/I64) has
     * x's rank and sizes no larger outside dim; out has index's shape.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @param index where to read along dim, I32 or I64, x's rank
     * @return a new tensor of index's shape
     * @throws IndexOutOfBoundsException for an index outside {@code [0, x.size(dim))}
     */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        return Indexing.gather(x, dim, index);
    }

    /**
     * x with {@code src[i]} added at {@code i with i_dim replaced by index[i]} for every i of index's
     * shape, as {@code torch.scatter_add}: repeated indices add up (none is lost to a race).
     *
     * @param x the values added to
     * @param dim the dimension (negative counts from the end)
     * @param index where each of src's values goes along dim, I32 or I64
     * @param src the values added
     * @return a new tensor of x's shape and dtype
     * @throws IndexOutOfBoundsException for an index outside {@code [0, x.size(dim))}
     */
    public static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        return Indexing.scatterAdd(x, dim, index, src);
    }

    /**
     * A copy of x with {@code x.select(dim, index[j])} replaced by {@code src.select(dim, j)}: index 1-D
     * without repeats, src x's shape with dim of index's length. {@link Tensor#indexCopy} writes in place.
     *
     * @param x the values written over
     * @param dim the dimension (negative counts from the end)
     * @param index where each of src's slices goes, I32 or I64, 1-D
     * @param src the slices
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor indexCopy(Tensor x, int dim, Tensor index, Tensor src) {
        OpChecks.open("indexCopy", x);
        Tensor copy = x.copy();
        try {
            Indexing.indexCopy("indexCopy", copy, dim, index, src);
            return copy;
        } catch (RuntimeException | Error e) {
            copy.close();
            throw e;
        }
    }

    // ---- joining ----

    /**
     * The tensors end to end along {@code dim}: one dtype and device, equal sizes in the other dimensions.
     *
     * @param dim the dimension (negative counts from the end)
     * @param tensors at least one
     * @return a new tensor
     */
    public static Tensor cat(int dim, Tensor... tensors) {
        return Joins.cat(dim, tensors);
    }

    /**
     * The tensors, of one shape, stacked along a new dimension {@code dim}.
     *
     * @param dim where the new dimension goes
     * @param tensors at least one
     * @return a new tensor of rank one more
     */
    public static Tensor stack(int dim, Tensor... tensors) {
        return Joins.stack(dim, tensors);
    }

    // ---- positions ----

    /**
     * x's upper triangle over its last two dimensions: elements with {@code col - row >= k} kept, others 0.
     *
     * @param x the input, rank 2 or more
     * @param k the diagonal: 0 the main one, positive above it
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor triu(Tensor x, long k) {
        return Positions.triangle("triu", x, k, true);
    }

    /**
     * x's lower triangle over its last two dimensions: elements with {@code col - row <= k} kept, others 0.
     *
     * @param x the input, rank 2 or more
     * @param k the diagonal: 0 the main one, positive above it
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor tril(Tensor x, long k) {
        return Positions.triangle("tril", x, k, false);
    }

    /**
     * Running sums along dim: floating x in its own dtype, integers and BOOL in I64. The reference sums
     * in double; the CPU backend sums F32, F16 and BF16 in double too, so each result is the exact
     * running sum rounded once (within half an ulp of it, for fewer than 2^20 terms).
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @return a new tensor of x's shape
     */
    public static Tensor cumsum(Tensor x, int dim) {
        return Positions.cumsum(x, dim);
    }

    /**
     * Rotary position embeddings, fused: x (..., L, D) with each pair (a, b) turned to
     * {@code (a cos - b sin, b cos + a sin)} by cos and sin (L, D/2), which broadcast over the leading
     * dims (a decode step passes its positions' rows). {@code interleaved = false} pairs {@code x[p]}
     * and {@code x[p + D/2]} (GPT-NeoX and Llama's "rotate half"); {@code true} pairs {@code x[2p]} and
     * {@code x[2p + 1]} (GPT-J). cos and sin have x's dtype.
     *
     * @param x the input, (..., L, D), D even
     * @param cos the angles' cosines, broadcast to (..., L, D/2), x's dtype
     * @param sin the angles' sines, likewise
     * @param interleaved pairs {@code (x[2i], x[2i+1])} (GPT-J) rather than the halves (Llama)
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor rotaryEmbedding(Tensor x, Tensor cos, Tensor sin, boolean interleaved) {
        return Positions.rotary(x, cos, sin, interleaved);
    }

    // ---- ordering and sampling ----

    /**
     * The k largest (or smallest) elements along dim and their positions (I64), in order. Equal values
     * come lowest position first; NaN counts above +Inf; -0 equals +0.
     *
     * @param x the input
     * @param k how many, at most dim's size
     * @param dim the dimension (negative counts from the end)
     * @param largest the largest values, or the smallest
     * @return the values and their positions (I64), dim of size k
     */
    public static ValuesAndIndices topk(Tensor x, int k, int dim, boolean largest) {
        return Selections.topk("topk", x, k, dim, largest);
    }

    /**
     * x sorted along dim, stably (equal values keep their order), with the positions; NaN sorts above +Inf.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @param descending largest first
     * @return the values and their positions (I64)
     */
    public static ValuesAndIndices sort(Tensor x, int dim, boolean descending) {
        return Selections.topk("sort", x, Selections.length("sort", x, dim), dim, descending);
    }

    /**
     * The positions (I64) that sort x along dim, stably, as {@link #sort}'s indices.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @param descending largest first
     * @return a new I64 tensor of x's shape
     */
    public static Tensor argsort(Tensor x, int dim, boolean descending) {
        return Selections.indices("argsort", x, Selections.length("argsort", x, dim), dim, descending);
    }

    /**
     * The flat index of the first minimum over all elements, as a 0-D I64 tensor; NaN counts as the minimum.
     *
     * @param x the input
     * @return a new 0-D tensor
     */
    public static Tensor argmin(Tensor x) {
        return Selections.argmin(x, null, false);
    }

    /**
     * The index of the first minimum along {@code dim}, as I64; NaN counts as the minimum.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @param keepdim whether the reduced dimensions stay, with size 1
     * @return a new tensor, the reduced dimensions removed (or kept with size 1)
     */
    public static Tensor argmin(Tensor x, int dim, boolean keepdim) {
        return Selections.argmin(x, dim, keepdim);
    }

    /**
     * One sample per row of probs (..., V), I64 (...): position j with probability {@code probs[j] /
     * sum(probs)}, unnormalised weights allowed. The same seed gives the same samples on every backend.
     *
     * @param probs the weights, (..., V), non-negative
     * @param seed the generator's seed
     * @return a new I64 tensor, probs' shape without its last dimension
     * @throws IllegalArgumentException when a value is negative or NaN, or a row sums to 0 or infinity
     */
    public static Tensor multinomial(Tensor probs, long seed) {
        return Selections.multinomial(probs, seed);
    }

    // ---- reductions ----

    /**
     * The sum of every element, as a 0-D tensor (I64 for integer and BOOL inputs).
     *
     * @param x the input
     * @return a new 0-D tensor
     */
    public static Tensor sum(Tensor x) {
        return Reductions.reduce(ReduceFn.SUM, x, null, false, 0);
    }

    /**
     * The sum along {@code dim}, which is removed.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @return a new tensor, dim removed
     */
    public static Tensor sum(Tensor x, int dim) {
        return Reductions.reduce(ReduceFn.SUM, x, new int[] {dim}, false, 0);
    }

    /**
     * The sum along {@code dims} (all when empty); {@code keepdim} keeps them with size 1.
     *
     * @param x the input
     * @param dims the dimensions (negative count from the end; none: all)
     * @param keepdim whether the reduced dimensions stay, with size 1
     * @return a new tensor, the reduced dimensions removed (or kept with size 1)
     */
    public static Tensor sum(Tensor x, int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceFn.SUM, x, dims, keepdim, 0);
    }

    /**
     * The mean of every element, as a 0-D tensor.
     *
     * @param x the input, floating point
     * @return a new 0-D tensor
     */
    public static Tensor mean(Tensor x) {
        return Reductions.reduce(ReduceFn.MEAN, x, null, false, 0);
    }

    /**
     * The mean along {@code dim}, which is removed.
     *
     * @param x the input, floating point
     * @param dim the dimension (negative counts from the end)
     * @return a new tensor, dim removed
     */
    public static Tensor mean(Tensor x, int dim) {
        return Reductions.reduce(ReduceFn.MEAN, x, new int[] {dim}, false, 0);
    }

    /**
     * The mean along {@code dims} (all when empty).
     *
     * @param x the input, floating point
     * @param dims the dimensions (negative count from the end; none: all)
     * @param keepdim whether the reduced dimensions stay, with size 1
     * @return a new tensor, the reduced dimensions removed (or kept with size 1)
     */
    public static Tensor mean(Tensor x, int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceFn.MEAN, x, dims, keepdim, 0);
    }

    /**
     * The largest element, as a 0-D tensor; NaN if any is NaN.
     *
     * @param x the input
     * @return a new 0-D tensor
     */
    public static Tensor max(Tensor x) {
        return Reductions.reduce(ReduceFn.MAX, x, null, false, 0);
    }

    /**
     * The largest element along {@code dim}, which is removed; NaN if any is NaN.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @return a new tensor, dim removed
     */
    public static Tensor max(Tensor x, int dim) {
        return Reductions.reduce(ReduceFn.MAX, x, new int[] {dim}, false, 0);
    }

    /**
     * The largest element along {@code dims} (all when empty); NaN if any is NaN.
     *
     * @param x the input
     * @param dims the dimensions (negative count from the end; none: all)
     * @param keepdim whether the reduced dimensions stay, with size 1
     * @return a new tensor, the reduced dimensions removed (or kept with size 1)
     */
    public static Tensor max(Tensor x, int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceFn.MAX, x, dims, keepdim, 0);
    }

    /**
     * The smallest element, as a 0-D tensor; NaN if any is NaN.
     *
     * @param x the input
     * @return a new 0-D tensor
     */
    public static Tensor min(Tensor x) {
        return Reductions.reduce(ReduceFn.MIN, x, null, false, 0);
    }

    /**
     * The smallest element along {@code dim}, which is removed; NaN if any is NaN.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @return a new tensor, dim removed
     */
    public static Tensor min(Tensor x, int dim) {
        return Reductions.reduce(ReduceFn.MIN, x, new int[] {dim}, false, 0);
    }

    /**
     * The smallest element along {@code dims} (all when empty); NaN if any is NaN.
     *
     * @param x the input
     * @param dims the dimensions (negative count from the end; none: all)
     * @param keepdim whether the reduced dimensions stay, with size 1
     * @return a new tensor, the reduced dimensions removed (or kept with size 1)
     */
    public static Tensor min(Tensor x, int[] dims, boolean keepdim) {
        return Reductions.reduce(ReduceFn.MIN, x, dims, keepdim, 0);
    }

    /**
     * The flat index of the first maximum over all elements, as a 0-D I64 tensor.
     *
     * @param x the input
     * @return a new 0-D tensor
     */
    public static Tensor argmax(Tensor x) {
        return Reductions.reduce(ReduceFn.ARGMAX, x, null, false, 0);
    }

    /**
     * The index of the first maximum along {@code dim}, as I64.
     *
     * @param x the input
     * @param dim the dimension (negative counts from the end)
     * @param keepdim whether the reduced dimensions stay, with size 1
     * @return a new tensor, the reduced dimensions removed (or kept with size 1)
     */
    public static Tensor argmax(Tensor x, int dim, boolean keepdim) {
        return Reductions.reduce(ReduceFn.ARGMAX, x, new int[] {dim}, keepdim, 0);
    }

    /**
     * The unbiased variance (divisor n - 1) of every element.
     *
     * @param x the input, floating point
     * @return a new 0-D tensor
     */
    public static Tensor var(Tensor x) {
        return Reductions.reduce(ReduceFn.VAR, x, null, false, 1);
    }

    /**
     * The variance along {@code dims} with divisor {@code n - correction} (1: unbiased, 0: biased).
     *
     * @param x the input, floating point
     * @param dims the dimensions (negative count from the end; none: all)
     * @param correction subtracted from the count in the divisor
     * @param keepdim whether the reduced dimensions stay, with size 1
     * @return a new tensor, the reduced dimensions removed (or kept with size 1)
     */
    public static Tensor var(Tensor x, int[] dims, int correction, boolean keepdim) {
        return Reductions.reduce(ReduceFn.VAR, x, dims, keepdim, correction);
    }

    // ---- normalisation ----

    /**
     * {@code exp(x) / sum exp(x)} along {@code dim}, computed stably (the maximum subtracted first).
     *
     * @param x the input, floating point
     * @param dim the dimension (negative counts from the end)
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor softmax(Tensor x, int dim) {
        return softmax(x, dim, false);
    }

    /**
     * {@code x - log(sum exp(x))} along {@code dim}, computed stably.
     *
     * @param x the input, floating point
     * @param dim the dimension (negative counts from the end)
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return softmax(x, dim, true);
    }

    private static Tensor softmax(Tensor x, int dim, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        Operand in = OpChecks.open(op, x);
        OpChecks.requireFloating(op, in);
        int axis = in.shape().axis(op, dim);
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), in.shape(),
                out -> new Softmax(in, axis, log, out), x));
    }

    /**
     * Layer normalisation over the trailing dimensions of {@code weight}'s shape.
     *
     * @param x the input, floating point
     * @param weight the scales, the shape normalised over
     * @param bias the shifts, weight's shape, or {@code null}
     * @param eps added to the variance
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return layerNorm(x, OpChecks.open("layerNorm", weight).shape().dims(), weight, bias, eps);
    }

    /**
     * {@code (x - mean) / sqrt(var + eps) * weight + bias} over the trailing dimensions
     * {@code normalizedShape} (biased variance); {@code weight} and {@code bias} have that shape or
     * are {@code null}.
     *
     * @param x the input, floating point
     * @param normalizedShape x's trailing dimensions to normalise over
     * @param weight the scales, normalizedShape, or {@code null}
     * @param bias the shifts, normalizedShape, or {@code null}
     * @param eps added to the variance
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        String op = "layerNorm";
        Operand in = OpChecks.open(op, x);
        int axes = normalizedAxes(op, in, normalizedShape, eps);
        Operand w = affine(op, "weight", in, weight, normalizedShape);
        Operand b = affine(op, "bias", in, bias, normalizedShape);
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), in.shape(),
                out -> new LayerNorm(in, w, b, axes, eps, out), x, weight, bias));
    }

    /**
     * RMS normalisation over the trailing dimensions of {@code weight}'s shape.
     *
     * @param x the input, floating point
     * @param weight the scales, the shape normalised over
     * @param eps added to the mean square
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        return rmsNorm(x, OpChecks.open("rmsNorm", weight).shape().dims(), weight, eps);
    }

    /**
     * {@code x / sqrt(mean(x^2) + eps) * weight} over the trailing dimensions {@code normalizedShape};
     * {@code weight} has that shape or is {@code null}.
     *
     * @param x the input, floating point
     * @param normalizedShape x's trailing dimensions to normalise over
     * @param weight the scales, normalizedShape, or {@code null}
     * @param eps added to the mean square
     * @return a new tensor of x's shape and dtype
     */
    public static Tensor rmsNorm(Tensor x, long[] normalizedShape, Tensor weight, double eps) {
        String op = "rmsNorm";
        Operand in = OpChecks.open(op, x);
        int axes = normalizedAxes(op, in, normalizedShape, eps);
        Operand w = affine(op, "weight", in, weight, normalizedShape);
        return Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), in.shape(),
                out -> new RmsNorm(in, w, axes, eps, out), x, weight));
    }

    /**
     * A transformer block's residual add and the RMS norm after it, fused: {@code h = x + residual},
     * and {@code h / sqrt(mean(h^2) + eps) * weight} over the trailing dimensions of {@code weight}'s
     * shape. x and residual have one shape and dtype; so do both results.
     *
     * @param x the input, floating point
     * @param residual added to x first, x's shape
     * @param weight the scales, the shape normalised over
     * @param eps added to the mean square
     * @return the sum and its normalisation
     */
    public static SumAndNorm addRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps) {
        return addRmsNorm(x, residual, OpChecks.open("addRmsNorm", weight).shape().dims(), weight, eps);
    }

    /**
     * {@link #addRmsNorm(Tensor, Tensor, Tensor, double)} over the trailing dimensions
     * {@code normalizedShape}; {@code weight} has that shape or is {@code null}. Both results share
     * one allocation; each is a handle of its own.
     *
     * @param x the input, floating point
     * @param residual added to x first, x's shape
     * @param normalizedShape x's trailing dimensions to normalise over
     * @param weight the scales, normalizedShape, or {@code null}
     * @param eps added to the mean square
     * @return the sum and its normalisation
     */
    public static SumAndNorm addRmsNorm(Tensor x, Tensor residual, long[] normalizedShape, Tensor weight, double eps) {
        String op = "addRmsNorm";
        Operand in = OpChecks.open(op, x);
        Operand r = OpChecks.open(op, residual);
        OpChecks.sameDevice(op, in, r);
        OpChecks.sameDType(op, in, r);
        if (!in.shape().equals(r.shape())) {
            throw new IllegalArgumentException(op + ": x " + in.describe() + " and residual " + r.describe()
                    + " must have the same shape");
        }
        int axes = normalizedAxes(op, in, normalizedShape, eps);
        Operand w = affine(op, "weight", in, weight, normalizedShape);
        Shape stacked = Shape.of(LongStream.concat(LongStream.of(2), LongStream.of(in.shape().dims())).toArray());
        try (Tensor both = Tensor.adopt(Dispatcher.compute(op, in.storage().device(), in.dtype(), stacked,
                out -> new AddRmsNorm(in, r, w, axes, eps, out), x, residual, weight))) {
            return new SumAndNorm(both.select(0, 0), both.select(0, 1));
        }
    }

    private static int normalizedAxes(String op, Operand x, long[] normalizedShape, double eps) {
        OpChecks.requireFloating(op, x);
        Shape normalized = Shape.checked(op, normalizedShape);
        if (normalized.rank() == 0 || normalized.rank() > x.rank()
                || !x.shape().suffix(x.rank() - normalized.rank()).equals(normalized)) {
            throw new IllegalArgumentException(op + ": normalized shape " + normalized + " is not the trailing part of "
                    + x.shape());
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(op + ": eps must be finite and non-negative, got " + eps);
        }
        return normalized.rank();
    }

    private static Operand affine(String op, String role, Operand x, Tensor parameter, long[] normalizedShape) {
        if (parameter == null) {
            return null;
        }
        Operand p = OpChecks.open(op, parameter);
        OpChecks.sameDevice(op, x, p);
        OpChecks.sameDType(op, x, p);
        if (!p.shape().equals(Shape.of(normalizedShape))) {
            throw new IllegalArgumentException(op + ": " + role + " " + p.shape() + " must have the normalized shape "
                    + Shape.of(normalizedShape));
        }
        return p;
    }

    /** A 0-D tensor holding {@code value} in {@code like}'s dtype, on its device. */
    private static Tensor scalarLike(String op, Operand like, double value) {
        return Tensor.adopt(Dispatcher.compute(op, like.storage().device(), like.dtype(), Shape.scalar(),
                out -> new Fill(out, value)));
    }
}
