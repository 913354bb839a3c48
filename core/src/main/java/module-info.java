/**
 * Colossus core: the tensor API ({@code dev.colossus}), the op set ({@code dev.colossus.op}), the
 * backend SPI ({@code dev.colossus.spi}) and the reference backend ({@code dev.colossus.reference}).
 */
module dev.colossus.core {
    exports dev.colossus;
    exports dev.colossus.op;
    exports dev.colossus.spi;
    exports dev.colossus.reference;

    uses dev.colossus.spi.BackendProvider;

    provides dev.colossus.spi.BackendProvider with dev.colossus.reference.ReferenceBackendProvider;
}
