package dev.colossus.bench;

import dev.colossus.DType;
import dev.colossus.Ops;
import dev.colossus.SumAndNorm;
import dev.colossus.Tensor;
import dev.colossus.ValuesAndIndices;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory-bound ops over 16M floats (4096 rows of 4096), F32, on the CPU backend, beside the
 * bandwidth yardstick, {@code copy}: as many bytes copied between native buffers by every thread
 * ({@link Yardstick}; until December 2026 it was one thread's {@code System.arraycopy}, which add and
 * relu outran by half):
 * {@code add} (x + y), {@code scale} (x * 0.5), {@code relu}, {@code softmax} (over each row), {@code rmsNorm} (each row, with a weight),
 * {@code addRmsNorm} (x + y and its rmsNorm, fused), {@code add+rmsNorm} (the same as two ops),
 * and on BF16 tensors of that shape, {@code addBf16} (x + y), {@code biasAddBf16} (x + a row of 4096
 * broadcast down the rows), {@code expBf16}, {@code siluBf16}, {@code geluBf16}, and {@code mixBf16}:
 * exp, sigmoid, silu and tanh one after another, as a program that calls several functions does (a
 * fork of one function compiles only that function's loop); and F16: {@code toF16} (x rounded to
 * F16), {@code addF16}, {@code expF16}, {@code siluF16} and {@code reluF16} (on F16's bits); and
 * BOOL: {@code gt} (x > y) and {@code where} (x where x > y, else y, the mask made once); and
 * {@code transpose}, {@code transposeBf16}: {@code x.transpose(0, 1).contiguous()}; and {@code erf},
 * {@code log1p} (of |x|), {@code expm1}, {@code tanh}, {@code sin}, {@code cos}, {@code pow} (|x|^1.5)
 * and {@code log} (of |x|); {@code softmaxDim0}: softmax down each column; {@code square}: {@code pow(x,
 * 2)}; {@code rowArgmax} and {@code columnArgmax}: each row's and each column's argmax (I64);
 * {@code columnSum}: each column's sum (rowSum's, each row's); {@code
 * tril}: the lower triangle, a causal mask's shape; {@code mulTransposed}: {@code x * y.T}; and on
 * integers, {@code addI32} (x + y, I32), {@code floorDivideI64} (x // y, I64, y 1 or more), {@code
 * toI32} (x cast to I32) and {@code fromI64} (an I64 tensor cast to F32); and {@code stackLast}: x and y
 * stacked along a new last dimension, their elements interleaved; {@code expandColumn}: a column of 4096
 * broadcast along the rows and made contiguous; {@code subColumn}: x minus a column, as x minus its
 * rows' means; {@code gatherRows}: {@code gather(x, 1, index)} with an I32 index of x's shape, random
 * columns; {@code scatterAddRows}: {@code scatterAdd(x, 1, index, y)} with that index (each place hit
 * once on average); {@code indexSelectLast}: {@code indexSelect(x, 1, columns)}, 4096 random columns;
 * and on integers again, {@code rowSumI32} (each row's sum, I64), {@code minI64} (the whole tensor's
 * min, as an index check takes it), {@code negI32} and {@code whereI64} (x where x > y, else y);
 * {@code toF8E4M3}: x cast to F8E4M3 (x times 100, so that every binade is used); {@code fromF8E4M3}:
 * that F8E4M3 tensor cast to F32; {@code addI8}: x + y on I8 (x and y times 50, wrapping); {@code
 * fromU8}: a U8 tensor (|x| times 50) cast to F32, as an image's pixels are; on F64 copies of x and y,
 * {@code addF64}, {@code expF64}, {@code rowSumF64} and {@code cumsumF64} (along the rows); and {@code
 * multinomial}: a sample from each row of probabilities (softmax of x's rows, made once); {@code
 * argsortColumns}: each column's argsort; {@code topkColumns}: each column's 50 largest (their indices);
 * {@code remainder} and {@code floorDivide}: x % 0.7 and x // 0.7 (F32, Python's), as angles are wrapped;
 * {@code remainderI32}: x % y on I32 (y 1 or more, as floorDivideI64's); {@code eqBool}: the mask of gt
 * == the mask of x < y (BOOL).
 * Each op writes new tensors, as a user's call does. GB/s = bytes read + written / time: 192 MiB for
 * add and mulTransposed, 256 MiB for addRmsNorm (and, counted the same, add+rmsNorm, and mixBf16), 96
 * MiB for addBf16, toBf16, toF16 and addF16, 64 MiB for biasAddBf16, the other BF16 and F16 functions
 * the argmaxes and columnSum, 48 MiB for eqBool, 144 MiB for gt, 208 MiB for where, 384 MiB for floorDivideI64, 192
 * MiB for fromI64 and remainderI32, 256 MiB for stackLast, 64 MiB for expandColumn and rowSumI32, 80 MiB for toF8E4M3, fromF8E4M3 and fromU8, 48 MiB for addI8, 384 MiB
 * for addF64, 256 MiB for expF64 and cumsumF64, 128 MiB for rowSumF64, 64 MiB for multinomial and topkColumns, 192 MiB for argsortColumns, 400 MiB for whereI64, 192 MiB for gatherRows, 384 MiB for
 * scatterAddRows (x copied, then y and the index read and out read and written), 128 MiB for the others
 * ({@code run-attention.sh} reports them).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ElementwiseBench {
    private static final int ROWS = 4096;
    private static final int COLUMNS = 4096;

    @Param({"copy", "add", "scale", "relu", "softmax", "rmsNorm", "addRmsNorm", "add+rmsNorm", "logSoftmax", "layerNorm",
            "exp", "gelu", "toBf16", "rowSum", "addBf16", "biasAddBf16", "expBf16", "siluBf16", "geluBf16", "mixBf16", "toF16", "addF16",
            "expF16", "siluF16", "reluF16", "gt", "where", "transpose", "transposeBf16", "erf", "log1p", "expm1", "tanh", "sin", "cos", "pow", "log",
            "softmaxDim0", "square", "rowArgmax", "tril", "mulTransposed", "columnArgmax", "columnSum", "addI32", "floorDivideI64",
            "toI32", "fromI64", "stackLast", "expandColumn", "subColumn", "gatherRows",
            "scatterAddRows", "indexSelectLast", "rowSumI32", "minI64", "negI32", "whereI64", "toF8E4M3",
            "fromF8E4M3", "addI8", "fromU8", "addF64", "expF64", "rowSumF64", "cumsumF64", "multinomial",
            "argsortColumns", "topkColumns", "remainder", "floorDivide", "remainderI32", "eqBool"})
    public String op;

    private Tensor x;
    private Tensor y;
    private Tensor weight;
    private Tensor xBf16;
    private Tensor yBf16;
    private Tensor biasBf16;
    private Tensor xF16;
    private Tensor yF16;
    private Tensor mask;
    private Tensor otherMask;
    private Tensor magnitudes;
    private Tensor xI32;
    private Tensor yI32;
    private Tensor xI64;
    private Tensor yI64;
    private Tensor xI8;
    private Tensor yI8;
    private Tensor xU8;
    private Tensor xF64;
    private Tensor yF64;
    private Tensor probabilities;
    private Tensor column;
    private Tensor index;
    private Tensor columns;
    private Tensor xF8;
    private Tensor hundreds;
    private Yardstick copy;

    @Setup
    public void setUp() {
        x = Tensor.randn(1, DType.F32, ROWS, COLUMNS);
        y = Tensor.randn(2, DType.F32, ROWS, COLUMNS);
        weight = Tensor.randn(3, DType.F32, COLUMNS);
        xBf16 = Tensor.randn(4, DType.BF16, ROWS, COLUMNS);
        yBf16 = Tensor.randn(5, DType.BF16, ROWS, COLUMNS);
        biasBf16 = Tensor.randn(6, DType.BF16, COLUMNS);
        xF16 = Tensor.randn(7, DType.F16, ROWS, COLUMNS);
        yF16 = Tensor.randn(8, DType.F16, ROWS, COLUMNS);
        mask = Ops.gt(x, y);
        if (op.equals("eqBool")) {
            otherMask = Ops.lt(x, y);
        }
        column = Tensor.randn(9, DType.F32, ROWS, 1);
        if (op.equals("toF8E4M3") || op.equals("fromF8E4M3")) {
            hundreds = Ops.mul(x, 100);
            xF8 = hundreds.to(DType.F8E4M3);
        }
        if (op.equals("gatherRows") || op.equals("scatterAddRows") || op.equals("indexSelectLast")) {
            SplittableRandom random = new SplittableRandom(10);
            index = Tensor.of(random.ints((long) ROWS * COLUMNS, 0, COLUMNS).toArray(), ROWS, COLUMNS);
            columns = Tensor.of(random.ints(COLUMNS, 0, COLUMNS).toArray(), COLUMNS);
        }
        magnitudes = Ops.abs(x);
        if (op.endsWith("I32") || op.endsWith("I64")) {
            try (Tensor thousands = Ops.mul(x, 1000); Tensor hundreds = Ops.mul(magnitudes, 100); Tensor divisors = Ops.add(hundreds, 1)) {
                xI32 = thousands.to(DType.I32);
                yI32 = divisors.to(DType.I32);
                xI64 = thousands.to(DType.I64);
                yI64 = divisors.to(DType.I64);
            }
        }
        if (op.equals("addI8")) {
            try (Tensor fifties = Ops.mul(x, 50); Tensor others = Ops.mul(y, 50)) {
                xI8 = fifties.to(DType.I8);
                yI8 = others.to(DType.I8);
            }
        }
        if (op.equals("fromU8")) {
            try (Tensor fifties = Ops.mul(magnitudes, 50)) {
                xU8 = fifties.to(DType.U8);
            }
        }
        if (op.endsWith("F64")) {
            xF64 = x.to(DType.F64);
            yF64 = y.to(DType.F64);
        }
        if (op.equals("multinomial")) {
            probabilities = Ops.softmax(x, -1);
        }
        if (op.equals("copy")) {
            copy = new Yardstick(4L * ROWS * COLUMNS);
        }
    }

    @Benchmark
    public long run() {
        if (op.equals("copy")) {
            return copy.copy();
        }
        if (op.equals("addRmsNorm")) {
            try (SumAndNorm both = Ops.addRmsNorm(x, y, weight, 1e-6)) {
                return both.normalized().numel();
            }
        }
        if (op.equals("mixBf16")) {
            try (Tensor e = Ops.exp(xBf16); Tensor s = Ops.sigmoid(xBf16); Tensor u = Ops.silu(xBf16); Tensor t = Ops.tanh(xBf16)) {
                return e.numel() + s.numel() + u.numel() + t.numel();
            }
        }
        if (op.equals("add+rmsNorm")) {
            try (Tensor sum = Ops.add(x, y); Tensor normalized = Ops.rmsNorm(sum, weight, 1e-6)) {
                return normalized.numel();
            }
        }
        try (Tensor out = switch (op) {
            case "add" -> Ops.add(x, y);
            case "scale" -> Ops.mul(x, 0.5);
            case "relu" -> Ops.relu(x);
            case "softmax" -> Ops.softmax(x, -1);
            case "rmsNorm" -> Ops.rmsNorm(x, weight, 1e-6);
            case "logSoftmax" -> Ops.logSoftmax(x, -1);
            case "layerNorm" -> Ops.layerNorm(x, weight, null, 1e-5);
            case "exp" -> Ops.exp(x);
            case "gelu" -> Ops.gelu(x);
            case "toBf16" -> x.to(DType.BF16);
            case "rowSum" -> Ops.sum(x, -1);
            case "addBf16" -> Ops.add(xBf16, yBf16);
            case "biasAddBf16" -> Ops.add(xBf16, biasBf16);
            case "expBf16" -> Ops.exp(xBf16);
            case "siluBf16" -> Ops.silu(xBf16);
            case "geluBf16" -> Ops.gelu(xBf16);
            case "toF16" -> x.to(DType.F16);
            case "addF16" -> Ops.add(xF16, yF16);
            case "expF16" -> Ops.exp(xF16);
            case "siluF16" -> Ops.silu(xF16);
            case "reluF16" -> Ops.relu(xF16);
            case "gt" -> Ops.gt(x, y);
            case "where" -> Ops.where(mask, x, y);
            case "transpose" -> x.transpose(0, 1).contiguous();
            case "transposeBf16" -> xBf16.transpose(0, 1).contiguous();
            case "erf" -> Ops.erf(x);
            case "log1p" -> Ops.log1p(magnitudes);
            case "expm1" -> Ops.expm1(x);
            case "tanh" -> Ops.tanh(x);
            case "sin" -> Ops.sin(x);
            case "cos" -> Ops.cos(x);
            case "pow" -> Ops.pow(magnitudes, 1.5);
            case "log" -> Ops.log(magnitudes);
            case "softmaxDim0" -> Ops.softmax(x, 0);
            case "square" -> Ops.pow(x, 2);
            case "rowArgmax" -> Ops.argmax(x, -1, false);
            case "columnArgmax" -> Ops.argmax(x, 0, false);
            case "columnSum" -> Ops.sum(x, 0);
            case "tril" -> Ops.tril(x, 0);
            case "mulTransposed" -> Ops.mul(x, y.transpose(0, 1));
            case "addI32" -> Ops.add(xI32, yI32);
            case "floorDivideI64" -> Ops.floorDivide(xI64, yI64);
            case "remainderI32" -> Ops.remainder(xI32, yI32);
            case "eqBool" -> Ops.eq(mask, otherMask);
            case "remainder" -> Ops.remainder(x, 0.7);
            case "floorDivide" -> Ops.floorDivide(x, 0.7);
            case "toI32" -> x.to(DType.I32);
            case "fromI64" -> xI64.to(DType.F32);
            case "stackLast" -> Ops.stack(-1, x, y);
            case "expandColumn" -> column.expand(ROWS, COLUMNS).contiguous();
            case "subColumn" -> Ops.sub(x, column);
            case "gatherRows" -> Ops.gather(x, 1, index);
            case "scatterAddRows" -> Ops.scatterAdd(x, 1, index, y);
            case "indexSelectLast" -> Ops.indexSelect(x, 1, columns);
            case "rowSumI32" -> Ops.sum(xI32, -1);
            case "minI64" -> Ops.min(xI64);
            case "negI32" -> Ops.neg(xI32);
            case "whereI64" -> Ops.where(mask, xI64, yI64);
            case "addI8" -> Ops.add(xI8, yI8);
            case "fromU8" -> xU8.to(DType.F32);
            case "addF64" -> Ops.add(xF64, yF64);
            case "expF64" -> Ops.exp(xF64);
            case "rowSumF64" -> Ops.sum(xF64, -1);
            case "cumsumF64" -> Ops.cumsum(xF64, -1);
            case "multinomial" -> Ops.multinomial(probabilities, 7);
            case "argsortColumns" -> Ops.argsort(x, 0, false);
            case "topkColumns" -> {
                ValuesAndIndices best = Ops.topk(x, 50, 0, true);
                best.values().close();
                yield best.indices();
            }
            case "toF8E4M3" -> hundreds.to(DType.F8E4M3);
            case "fromF8E4M3" -> xF8.to(DType.F32);
            default -> throw new IllegalArgumentException("unknown op " + op);
        }) {
            return out.numel();
        }
    }

    @TearDown
    public void tearDown() {
        x.close();
        y.close();
        weight.close();
        xBf16.close();
        yBf16.close();
        biasBf16.close();
        xF16.close();
        yF16.close();
        mask.close();
        column.close();
        magnitudes.close();
        for (Tensor optional : new Tensor[] {otherMask, xI32, yI32, xI64, yI64, xI8, yI8, xU8, xF64, yF64, probabilities, index, columns, xF8, hundreds}) {
            if (optional != null) {
                optional.close();
            }
        }
        if (copy != null) {
            copy.close();
        }
    }
}
