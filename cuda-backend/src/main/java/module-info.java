/**
 * The CUDA backend: NVIDIA GPUs on CUDA 12 and 13 drivers, through JCuda's driver API, cuBLAS bound
 * with the FFM API, and Colossus's own kernels shipped as PTX.
 */
module dev.colossus.cuda {
    requires transitive dev.colossus.core;
    requires jcuda;

    exports dev.colossus.cuda;

    provides dev.colossus.spi.BackendProvider with dev.colossus.cuda.CudaBackendProvider;
}
