/** The quick start as a named module: Colossus's modules on the module path, its backends found as services. */
module quickstart {
    requires dev.colossus.core;
}
