package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.testkit.ScopePerTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets an exception that names the op, the shapes and the dtypes, and nothing is computed. */
@ExtendWith(ScopePerTest.class)
class ErrorMessagesTest {

    private static void assertMessage(String expected, Executable call) {
        Exception e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    private static void assertMessageContains(Class<? extends Exception> type, String fragment, Executable call) {
        Exception e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    private static Tensor f32(long... shape) {
        return Tensor.zeros(DType.F32, shape);
    }

    @Test
    void aDeviceWithoutABackendIsRefusedNamingTheDeviceNeverServedByAnother() {
        Exception wrongIndex = assertThrows(IllegalArgumentException.class, () -> f32(2).to(new Device("cpu", 1)));
        assertTrue(wrongIndex.getMessage().startsWith("cpu:1: the '") && wrongIndex.getMessage().contains("' backend runs on cpu only"),
                wrongIndex.getMessage());
        Exception absent = assertThrows(IllegalStateException.class, () -> f32(2).to(Device.cuda(1)));
        assertEquals("no backend for cuda devices was found (found: [reference]); add one to the class or module path: "
                + "colossus-cuda", absent.getMessage());
    }

    @Test
    void matmulShapes() {
        assertMessage("matmul: (3,4) x (5,6): inner dimensions 4 and 5 differ", () -> Ops.matmul(f32(3, 4), f32(5, 6)));
        assertMessage("matmul: (2,3,4) x (5,4,6): batch dimensions (2) and (5) do not broadcast",
                () -> Ops.matmul(f32(2, 3, 4), f32(5, 4, 6)));
        assertMessage("matmul: () x (3): both operands need at least one dimension",
                () -> Ops.matmul(Tensor.scalar(1, DType.F32), f32(3)));
    }

    @Test
    void linearAndAddmmShapes() {
        assertMessage("linear: x (2,5) and weight (3,4): x's last dimension must be weight's in = 4",
                () -> Ops.linear(f32(2, 5), f32(3, 4), null));
        assertMessage("linear: weight (4) must be (out, in)", () -> Ops.linear(f32(2, 4), f32(4), null));
        assertMessage("linear: bias (4) must be (3)", () -> Ops.linear(f32(2, 4), f32(3, 4), f32(4)));
        assertMessage("addmm: c (3,5) does not broadcast to the product's shape (2,5) of (2,4) x (4,5)",
                () -> Ops.addmm(f32(3, 5), f32(2, 4), f32(4, 5), 1, 1));
        assertMessage("addmm: dtypes differ: (2,4) F32 cpu and (2,5) F16 cpu; cast one with to(DType)",
                () -> Ops.addmm(Tensor.zeros(DType.F16, 2, 5), f32(2, 4), f32(4, 5), 1, 1));
    }

    @Test
    void dtypeMismatchesAndUnsupportedDtypes() {
        assertMessage("add: dtypes differ: (3) F32 cpu and (3) F16 cpu; cast one with to(DType)",
                () -> Ops.add(f32(3), Tensor.zeros(DType.F16, 3)));
        assertMessage("matmul: (2,2) I32 cpu: dtype I32 is not floating point; cast with to(DType.F32)",
                () -> Ops.matmul(Tensor.zeros(DType.I32, 2, 2), Tensor.zeros(DType.I32, 2, 2)));
        assertMessage("exp: (4) I64 cpu: dtype I64 is not floating point; cast with to(DType.F32)",
                () -> Ops.exp(Tensor.arange(4)));
        assertMessage("div: (4) I64 cpu and (4) I64 cpu: div is not defined on I64; cast with to(DType.F32)",
                () -> Ops.div(Tensor.arange(4), Tensor.arange(4)));
        assertMessage("where: condition (2) F32 cpu must be BOOL", () -> Ops.where(f32(2), f32(2), f32(2)));
        assertMessage("mean: (3) I64 cpu: dtype I64 is not floating point; cast with to(DType.F32)",
                () -> Ops.mean(Tensor.arange(3)));
    }

    @Test
    void broadcasting() {
        assertMessage("add: shapes (3,4) and (5) do not broadcast", () -> Ops.add(f32(3, 4), f32(5)));
        assertMessage("expand: shape (2,3) does not broadcast to (4,3)", () -> f32(2, 3).expand(4, 3));
    }

    @Test
    void sizes() {
        assertMessage("zeros: negative dimension -3 in (2,-3)", () -> Tensor.zeros(DType.F32, 2, -3));
        assertMessage("ones: shape (4294967296,4294967296,4294967296) has more than 9223372036854775807 elements",
                () -> Tensor.ones(DType.F32, 1L << 32, 1L << 32, 1L << 32));
        assertMessage("zeros: (2305843009213693952) F64 needs more than 9223372036854775807 bytes",
                () -> Tensor.zeros(DType.F64, 1L << 61));
        assertMessage("of: 5 values do not fill shape (2,3) (6 elements)", () -> Tensor.of(new float[5], 2, 3));
        assertMessage("reshape: (2,3) (6 elements) cannot become (4,2) (8 elements)", () -> f32(2, 3).reshape(4, 2));
        assertMessage("reshape: cannot infer -1 in (4,-1) for 6 elements of (2,3)", () -> f32(2, 3).reshape(4, -1));
    }

    @Test
    void dimsAndRanges() {
        assertMessage("softmax: dim 2 is out of range for shape (2,3) (rank 2)", () -> Ops.softmax(f32(2, 3), 2));
        assertMessage("transpose: dim -3 is out of range for shape (2,3) (rank 2)", () -> f32(2, 3).transpose(0, -3));
        assertMessage("sum: dim 1 repeated in [1, -1]", () -> Ops.sum(f32(2, 3), new int[] {1, -1}, false));
        assertMessage("narrow: start 2 length 3 is out of range for dim 0 of size 4 in (4)", () -> f32(4).narrow(0, 2, 3));
        assertMessage("select: index 4 is out of range for dim 0 of size 4 in (4)", () -> f32(4).select(0, 4));
        assertMessage("slice: step must be positive, got 0", () -> f32(4).slice(0, 0, 4, 0));
        assertMessage("squeeze: dim 0 of (2,1) has size 2, not 1", () -> f32(2, 1).squeeze(0));
        assertMessage("permute: dim 0 repeated in [0, 0]", () -> f32(2, 2).permute(0, 0));
        assertMessage("max: (3,0) F32 cpu: cannot reduce zero elements along dims [1]", () -> Ops.max(f32(3, 0), 1));
    }

    @Test
    void attention() {
        Tensor q = f32(1, 8, 16, 64);
        Tensor k = f32(1, 3, 16, 64);
        assertMessage("scaledDotProductAttention: q (1,8,16,64), k (1,3,16,64), v (1,3,16,64): query heads 8 are not a "
                + "multiple of key/value heads 3", () -> Ops.scaledDotProductAttention(q, k, k));
        assertMessage("scaledDotProductAttention: q (8,16,64), k (1,3,16,64), v (1,3,16,64): each must be 4-D, (B, H, L, D)",
                () -> Ops.scaledDotProductAttention(f32(8, 16, 64), k, k));
        Tensor kv = f32(1, 2, 16, 64);
        assertMessage("scaledDotProductAttention: mask (5,5) does not broadcast to (B, Hq, Lq, Lk) = (1,8,16,16)",
                () -> Ops.scaledDotProductAttention(q, kv, kv,
                        AttentionOptions.defaults().mask(Tensor.zeros(DType.BOOL, 5, 5))));
        assertMessage("scaledDotProductAttention: mask (16,16) I32 cpu must be BOOL or F32 like q",
                () -> Ops.scaledDotProductAttention(q, kv, kv,
                        AttentionOptions.defaults().mask(Tensor.zeros(DType.I32, 16, 16))));
        assertMessage("scaledDotProductAttention: q (1,8,16,64), k (1,2,16,32), v (1,2,16,64): q and k head dims 64 and 32 differ",
                () -> Ops.scaledDotProductAttention(q, f32(1, 2, 16, 32), kv));
    }

    @Test
    void norms() {
        assertMessage("layerNorm: normalized shape (5) is not the trailing part of (2,4)",
                () -> Ops.layerNorm(f32(2, 4), f32(5), null, 1e-5));
        assertMessage("rmsNorm: eps must be finite and non-negative, got -1.0", () -> Ops.rmsNorm(f32(2, 4), f32(4), -1));
        assertMessage("addRmsNorm: x (2,4) F32 cpu and residual (4) F32 cpu must have the same shape",
                () -> Ops.addRmsNorm(f32(2, 4), f32(4), f32(4), 1e-6));
        assertMessage("addRmsNorm: dtypes differ: (2,4) F32 cpu and (2,4) BF16 cpu; cast one with to(DType)",
                () -> Ops.addRmsNorm(f32(2, 4), Tensor.zeros(DType.BF16, 2, 4), f32(4), 1e-6));
        assertMessage("addRmsNorm: weight (3) must have the normalized shape (4)",
                () -> Ops.addRmsNorm(f32(2, 4), f32(2, 4), new long[] {4}, f32(3), 1e-6));
    }

    @Test
    void closedTensors() {
        Tensor x = f32(2, 2);
        x.close();
        x.close();
        assertMessageContains(IllegalStateException.class, "matmul: tensor (2,2) F32 cpu is closed", () -> Ops.matmul(x, x));
        assertMessageContains(IllegalStateException.class, "reshape: tensor (2,2) F32 cpu is closed", () -> x.reshape(4));
        assertMessageContains(IllegalStateException.class, "is closed", x::toFloatArray);
    }

    @Test
    void wrappingTooSmallASegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(20);
            assertMessage("wrap: shape (2,3) F32 with strides [3, 1] needs 24 bytes, the segment has 20",
                    () -> Tensor.wrap(segment, DType.F32, 2, 3));
            assertMessage("wrap: shape (3,2) F32 with strides [1, 3] needs 24 bytes, the segment has 20",
                    () -> Tensor.wrap(segment, DType.F32, new long[] {3, 2}, new long[] {1, 3}));
            assertMessage("wrap: negative stride -1 in [-1]",
                    () -> Tensor.wrap(segment, DType.F32, new long[] {2}, new long[] {-1}));
        }
    }
}
