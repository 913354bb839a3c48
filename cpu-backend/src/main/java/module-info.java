/**
 * The CPU backend: Vector API kernels when {@code jdk.incubator.vector} is resolved (run with
 * {@code --add-modules jdk.incubator.vector}), scalar kernels when it is not.
 */
module dev.colossus.cpu {
    requires dev.colossus.core;
    requires static jdk.incubator.vector;

    provides dev.colossus.spi.BackendProvider with dev.colossus.cpu.CpuBackendProvider;
}
