package dev.colossus.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.colossus.DType;
import dev.colossus.Shape;
import dev.colossus.spi.Operand;
import java.util.Arrays;
import java.util.Collections;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StridedWalk#forRuns} against the definition, element by element: element {@code p} of the
 * shape, its row-major index {@code (i_0, ..., i_r-1)}, lies at {@code offset + sum_d i_d stride_d} in
 * each operand. Seeded shapes of rank 0 to 4 with sizes 0 to 6, operands transposed, with gaps, broadcast
 * (stride 0) and offset; ranges that start and end inside a row; runs cut at {@code maxRun}.
 */
class StridedWalkTest {
    @Test
    void runsVisitEveryElementAtItsOffset() {
        Random random = new Random(23);
        for (int c = 0; c < 2000; c++) {
            int rank = random.nextInt(5);
            long[] dims = new long[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(6);
            }
            Shape shape = Shape.of(dims);
            Operand[] operands = new Operand[1 + random.nextInt(3)];
            for (int o = 0; o < operands.length; o++) {
                operands[o] = operand(random, shape);
            }
            long numel = shape.numel();
            long from = random.nextInt((int) numel + 1), to = from + random.nextInt((int) (numel - from) + 1);
            int maxRun = random.nextBoolean() ? Integer.MAX_VALUE : 1 + random.nextInt(4);
            String context = "shape " + shape + " strides " + Arrays.deepToString(Arrays.stream(operands).map(Operand::strides).toArray())
                    + " [" + from + ", " + to + ") maxRun " + maxRun;
            StridedWalk walk = new StridedWalk(shape, operands);
            long[] next = {from};
            walk.forRuns(from, to, maxRun, (offsets, n) -> {
                assertTrue(n >= 1 && n <= maxRun, context + ": a run of " + n);
                for (int i = 0; i < n; i++) {
                    for (int o = 0; o < operands.length; o++) {
                        assertEquals(offset(operands[o], next[0]), offsets[o] + i * walk.innerStride(o),
                                context + ": operand " + o + ", element " + next[0]);
                    }
                    next[0]++;
                }
            });
            assertEquals(to, next[0], context + ": the runs end");
        }
    }

    /** An operand of {@code shape}: its dimensions' strides those of a random permutation, some with gaps, some 0. */
    private static Operand operand(Random random, Shape shape) {
        int rank = shape.rank();
        Integer[] order = new Integer[rank];
        for (int d = 0; d < rank; d++) {
            order[d] = d;
        }
        Collections.shuffle(Arrays.asList(order), random);
        long[] strides = new long[rank];
        long step = 1 + random.nextInt(2);
        for (int i = rank - 1; i >= 0; i--) {
            int d = order[i];
            strides[d] = random.nextInt(6) == 0 ? 0 : step;
            step *= shape.dim(d) + random.nextInt(2);
        }
        return new Operand(null, DType.F32, shape, strides, random.nextInt(10));
    }

    /** The definition: element {@code p}'s row-major index, dotted with the strides. */
    private static long offset(Operand x, long p) {
        long offset = x.offset();
        for (int d = x.rank() - 1; d >= 0; d--) {
            offset += p % x.shape().dim(d) * x.strides()[d];
            p /= x.shape().dim(d);
        }
        return offset;
    }
}
