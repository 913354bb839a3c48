package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.colossus.testkit.ScopePerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Tensor#toString()}: values as NumPy and PyTorch print them, summarised when large. */
@ExtendWith(ScopePerTest.class)
class TensorFormatTest {

    @Test
    void wholeFloatsPrintWithATrailingPointAndRowsAlign() {
        assertEquals("""
                Tensor(2,3) F32 cpu
                [[ 1.,  2., -3.],
                 [40.,  5.,  6.]]""", Tensor.of(new float[] {1, 2, -3, 40, 5, 6}, 2, 3).toString());
    }

    @Test
    void fractionsTakeFourDecimalsAndNonFiniteValuesTheirNames() {
        assertEquals("""
                Tensor(2,3) F64 cpu
                [[ 1.5000, -2.2500,  3.0000],
                 [    nan,    -inf, -0.0000]]""",
                Tensor.of(new double[] {1.5, -2.25, 3, Double.NaN, Double.NEGATIVE_INFINITY, -0.0}, 2, 3).toString());
    }

    @Test
    void wideRangesAndTinyValuesPrintInScientificForm() {
        assertEquals("Tensor(3) F32 cpu\n[1.0000e-06, 2.0000e+00, 3.5000e+00]",
                Tensor.of(new float[] {1e-6f, 2, 3.5f}, 3).toString());
        assertEquals("Tensor(2) F64 cpu\n[1.0000e+09, 2.0000e+00]", Tensor.of(new double[] {1e9, 2}, 2).toString());
    }

    @Test
    void integersAndBooleansPrintExactly() {
        assertEquals("Tensor(3) I64 cpu\n[               1,              -20, 9007199254740993]",
                Tensor.of(new long[] {1, -20, 9007199254740993L}, 3).toString());
        assertEquals("Tensor(2) BOOL cpu\n[ true, false]", Tensor.of(new boolean[] {true, false}, 2).toString());
    }

    @Test
    void higherRanksSeparateTheirBlocksByBlankLines() {
        assertEquals("""
                Tensor(2,2,2) I32 cpu
                [[[0, 1],
                  [2, 3]],

                 [[4, 5],
                  [6, 7]]]""", Tensor.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2).toString());
    }

    @Test
    void longRowsWrapWithinEightyColumns() {
        String text = Tensor.of(new float[] {
            0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f, 8.5f, 9.5f, 10.5f, 11.5f}, 12).toString();
        assertEquals("""
                Tensor(12) F32 cpu
                [ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,
                  8.5000,  9.5000, 10.5000, 11.5000]""", text);
    }

    @Test
    void largeTensorsShowTheirEdgesAndReadNothingElse() {
        assertEquals("""
                Tensor(50,100) I32 cpu
                [[   0,    1,    2,  ...,   97,   98,   99],
                 [ 100,  101,  102,  ...,  197,  198,  199],
                 [ 200,  201,  202,  ...,  297,  298,  299],
                 ...,
                 [4700, 4701, 4702,  ..., 4797, 4798, 4799],
                 [4800, 4801, 4802,  ..., 4897, 4898, 4899],
                 [4900, 4901, 4902,  ..., 4997, 4998, 4999]]""",
                Tensor.arange(0, 5000, 1, DType.I32).reshape(50, 100).toString());
        // 10^10 elements: reading them all would not fit a Java array, let alone the time
        Tensor huge = Tensor.ones(DType.BF16, 1).expand(100_000, 100_000);
        assertEquals("""
                Tensor(100000,100000) BF16 cpu
                [[1., 1., 1., ..., 1., 1., 1.],
                 [1., 1., 1., ..., 1., 1., 1.],
                 [1., 1., 1., ..., 1., 1., 1.],
                 ...,
                 [1., 1., 1., ..., 1., 1., 1.],
                 [1., 1., 1., ..., 1., 1., 1.],
                 [1., 1., 1., ..., 1., 1., 1.]]""", huge.toString());
    }

    @Test
    void viewsPrintTheirOwnElements() {
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals("Tensor(3,2) F32 cpu\n[[1., 4.],\n [2., 5.],\n [3., 6.]]", m.transpose(0, 1).toString());
        assertEquals("Tensor(2) F32 cpu\n[3., 6.]", m.select(1, 2).toString());
    }

    @Test
    void scalarsEmptyAndClosedTensors() {
        assertEquals("Tensor() F32 cpu\n0.2500", Tensor.of(new float[] {0.25f}).toString());
        assertEquals("Tensor(0,3) F32 cpu\n[]", Tensor.zeros(DType.F32, 0, 3).toString());
        Tensor closed = Tensor.zeros(DType.F32, 2);
        closed.close();
        assertEquals("Tensor(2) F32 cpu closed", closed.toString());
    }
}
