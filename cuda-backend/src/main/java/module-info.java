/** The CUDA backend's provider: finds the NVIDIA driver and says what it found. */
module dev.colossus.cuda {
    requires dev.colossus.core;

    provides dev.colossus.spi.BackendProvider with dev.colossus.cuda.CudaBackendProvider;
}
