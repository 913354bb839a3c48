package dev.colossus.cpu.elementwise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.colossus.DType;
import dev.colossus.op.UnaryFn;
import dev.colossus.reference.ReferenceMath;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * NEG, ABS and RELU straight on F16 ({@link ElementwiseKernels#directUnary}) against the definition,
 * bit for bit, for every one of the 2^16 halves: widened to F32, the function in double, rounded back.
 * At this JVM's SIMD width, from an odd element, so that the vector loop and its scalar tail both run.
 */
class DirectF16Test {
    @ParameterizedTest
    @EnumSource(names = {"NEG", "ABS", "RELU"})
    void everyHalf(UnaryFn fn) {
        int n = 1 << 16;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(2L * (n + 1)), out = arena.allocate(2L * (n + 1));
            for (int h = 0; h < n; h++) {
                x.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (h + 1), (short) h);
            }
            ElementwiseKernels.instance().directUnary(fn, DType.F16, x, 2, out, 2, n);
            for (int h = 0; h < n; h++) {
                short expected = Float.floatToFloat16((float) ReferenceMath.unary(fn, Float.float16ToFloat((short) h)));
                int half = h;
                assertEquals(expected, out.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (h + 1)),
                        () -> fn.apiName() + " of 0x" + Integer.toHexString(half));
            }
        }
    }
}
