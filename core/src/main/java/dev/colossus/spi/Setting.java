package dev.colossus.spi;

/**
 * One setting as a backend read it: which system property and environment variable set it, the value
 * in force and where that value came from. {@link dev.colossus.Backends#describe()} lists them.
 *
 * @param property the system property, {@code colossus.cpu.threads}
 * @param environment the environment variable read when the property is not set, {@code COLOSSUS_CPU_THREADS}
 * @param value the value in force, as text
 * @param source where the value came from
 * @param meaning what the setting does, one line
 */
public record Setting(String property, String environment, String value, Source source, String meaning) {

    /** Where a setting's value came from: the property wins over the environment, which wins over the default. */
    public enum Source {
        /** The system property, {@code -Dcolossus.cpu.threads=2}. */
        PROPERTY,
        /** The environment variable, the property being unset. */
        ENVIRONMENT,
        /** Neither was set. */
        DEFAULT
    }

    /**
     * The environment variable that stands for {@code property}: upper case, dots and word breaks as
     * underscores ({@code colossus.cpu.vectorBits} is {@code COLOSSUS_CPU_VECTOR_BITS}).
     *
     * @param property a system property's name
     * @return the variable's name
     */
    public static String environmentName(String property) {
        return property.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(java.util.Locale.ROOT);
    }

    /** {@code colossus.cpu.threads = 2 (default): threads that run CPU ops}. */
    @Override
    public String toString() {
        String from = switch (source) {
            case PROPERTY -> "-D" + property;
            case ENVIRONMENT -> environment;
            case DEFAULT -> "default";
        };
        return property + " = " + value + " (" + from + "): " + meaning;
    }
}
