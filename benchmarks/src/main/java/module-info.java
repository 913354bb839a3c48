/**
 * Colossus's benchmarks and tour. JMH is needed only by the benchmark classes, which run from the
 * shaded jar on the class path; the tour runs on the module path without it.
 */
module dev.colossus.bench {
    requires dev.colossus.core;
    requires static jmh.core;

    exports dev.colossus.bench;
}
