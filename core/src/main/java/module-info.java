/**
 * Colossus core: the tensor API ({@code dev.colossus}), the op set ({@code dev.colossus.op}), the
 * backend SPI ({@code dev.colossus.spi}), the reference backend ({@code dev.colossus.reference}) and
 * weight files ({@code dev.colossus.io}: safetensors and .npy).
 */
module dev.colossus.core {
    requires jdk.jfr;

    exports dev.colossus;
    exports dev.colossus.op;
    exports dev.colossus.spi;
    exports dev.colossus.reference;
    exports dev.colossus.io;

    uses dev.colossus.spi.BackendProvider;

    provides dev.colossus.spi.BackendProvider with dev.colossus.reference.ReferenceBackendProvider;
}
