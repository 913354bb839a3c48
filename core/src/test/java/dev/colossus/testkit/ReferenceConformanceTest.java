package dev.colossus.testkit;

import dev.colossus.Backends;
import dev.colossus.spi.Backend;

/**
 * The reference backend through the whole suite. Compared with itself the suite would prove nothing,
 * so its oracle here is the {@link DecomposingBackend}: the reference's fused definitions of softmax,
 * the norms and attention, and its direct 16-bit arithmetic, must agree with the same math composed
 * from primitives in F32. That checks the dispatcher's rewrites as much as the reference. The
 * primitives themselves are checked against hand-computed values in {@code ReferenceKernelsTest}.
 */
class ReferenceConformanceTest extends BackendConformanceTest {
    private static final Backend DECOMPOSING = new DecomposingBackend();

    @Override
    protected Backend backend() {
        return Backends.get("reference");
    }

    @Override
    protected Backend oracle() {
        return DECOMPOSING;
    }
}
