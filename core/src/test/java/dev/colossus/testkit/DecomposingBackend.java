package dev.colossus.testkit;

import dev.colossus.op.Attention;
import dev.colossus.op.Copy;
import dev.colossus.op.LayerNorm;
import dev.colossus.op.Op;
import dev.colossus.op.RmsNorm;
import dev.colossus.op.Rotary;
import dev.colossus.op.Softmax;
import dev.colossus.reference.ReferenceKernels;
import dev.colossus.spi.HostBackend;

/**
 * A backend that runs only the primitive ops, and only on F32, F64 and the integer types (any cast
 * still works): everything else reaches it through the dispatcher's rewrites, which this backend
 * therefore tests. Its primitives are the reference's.
 */
public final class DecomposingBackend extends HostBackend {
    @Override
    public String name() {
        return "decomposing";
    }

    @Override
    public boolean supports(Op op) {
        if (op instanceof Copy) {
            return true;
        }
        if (op instanceof Softmax || op instanceof LayerNorm || op instanceof RmsNorm || op instanceof Attention
                || op instanceof Rotary) {
            return false;
        }
        return op.inputs().stream().noneMatch(o -> o.dtype().isHalf()) && !op.out().dtype().isHalf();
    }

    @Override
    public void execute(Op op) {
        ReferenceKernels.execute(op);
    }
}
