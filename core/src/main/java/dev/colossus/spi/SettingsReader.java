package dev.colossus.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Reads a backend's settings once, each from its system property, else its environment variable
 * ({@link Setting#environmentName}), else its default, and keeps what it read for
 * {@link dev.colossus.Backends#describe()}. A value that does not parse is refused with the setting's
 * name, where it came from and what was expected, never silently replaced by the default.
 */
public final class SettingsReader {
    private final UnaryOperator<String> properties;
    private final UnaryOperator<String> environment;
    private final List<Setting> read = new ArrayList<>();

    /**
     * A reader over the given sources: for tests, which cannot set environment variables.
     *
     * @param properties a property's value by name, or null
     * @param environment an environment variable's value by name, or null
     */
    public SettingsReader(UnaryOperator<String> properties, UnaryOperator<String> environment) {
        this.properties = properties;
        this.environment = environment;
    }

    /**
     * Settings read once from this process, or, where a value was refused, the defaults and why.
     *
     * @param <T> the settings' type
     * @param settings the settings in force
     * @param problem why a value was refused, naming the setting; null when every value parsed
     */
    public record AtStart<T>(T settings, String problem) {
    }

    /**
     * {@code read} over this process's properties and environment; where it refuses a value, over no
     * sources at all (every default), with the refusal kept for the backend to report.
     *
     * @param <T> the settings' type
     * @param read the settings from a reader
     * @return the settings and the problem, if any
     */
    public static <T> AtStart<T> readAtStart(Function<SettingsReader, T> read) {
        try {
            return new AtStart<>(read.apply(system()), null);
        } catch (IllegalArgumentException refused) {
            return new AtStart<>(read.apply(new SettingsReader(property -> null, variable -> null)), refused.getMessage());
        }
    }

    /**
     * A reader over this process's system properties and environment.
     *
     * @return the reader
     */
    public static SettingsReader system() {
        return new SettingsReader(System::getProperty, System::getenv);
    }

    /**
     * A setting parsed by {@code parse}, which throws {@link IllegalArgumentException} saying what it expected.
     *
     * @param <T> the setting's type
     * @param property the system property
     * @param fallback the value when neither the property nor the environment variable is set
     * @param fallbackText how the default is listed, such as {@code "the cores (2)"}
     * @param meaning what the setting does, one line
     * @param parse the value from its text
     * @return the value in force
     * @throws IllegalArgumentException naming the setting, when its text does not parse
     */
    public <T> T read(String property, T fallback, String fallbackText, String meaning, Function<String, T> parse) {
        String env = Setting.environmentName(property);
        String text = properties.apply(property);
        Setting.Source source = Setting.Source.PROPERTY;
        if (text == null || text.isBlank()) {
            text = environment.apply(env);
            source = Setting.Source.ENVIRONMENT;
        }
        if (text == null || text.isBlank()) {
            read.add(new Setting(property, env, fallbackText, Setting.Source.DEFAULT, meaning));
            return fallback;
        }
        T value;
        try {
            value = parse.apply(text.trim());
        } catch (IllegalArgumentException e) {
            String from = source == Setting.Source.PROPERTY ? "-D" + property + "=" + text : env + "=" + text;
            throw new IllegalArgumentException(from + ": " + e.getMessage(), e);
        }
        read.add(new Setting(property, env, String.valueOf(value), source, meaning));
        return value;
    }

    /**
     * A whole number in {@code [min, max]}.
     *
     * @param property the system property
     * @param fallback the default
     * @param min the least value accepted
     * @param max the greatest value accepted
     * @param meaning what the setting does
     * @return the value in force
     */
    public int integer(String property, int fallback, int min, int max, String meaning) {
        return read(property, fallback, String.valueOf(fallback), meaning, text -> (int) wholeNumber(text, min, max));
    }

    /**
     * {@code text} as a whole number in {@code [min, max]}, for parsers given to {@link #read}.
     *
     * @param text the setting's text
     * @param min the least value accepted
     * @param max the greatest value accepted
     * @return the number
     * @throws IllegalArgumentException saying what was expected
     */
    public static long wholeNumber(String text, long min, long max) {
        try {
            long v = Long.parseLong(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("expected an integer in [" + min + ", " + max + "]");
    }

    /**
     * A number of bytes, at least 0.
     *
     * @param property the system property
     * @param fallback the default
     * @param meaning what the setting does
     * @return the value in force
     */
    public long bytes(String property, long fallback, String meaning) {
        return read(property, fallback, String.valueOf(fallback), meaning, text -> {
            try {
                long v = Long.parseLong(text);
                if (v >= 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new IllegalArgumentException("expected a number of bytes (a whole number, at least 0)");
        });
    }

    /**
     * {@code true} or {@code false}, in any case.
     *
     * @param property the system property
     * @param fallback the default
     * @param meaning what the setting does
     * @return the value in force
     */
    public boolean flag(String property, boolean fallback, String meaning) {
        return read(property, fallback, String.valueOf(fallback), meaning, text -> {
            if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("expected true or false");
            }
            return Boolean.parseBoolean(text);
        });
    }

    /**
     * One of an enum's constants, by name in any case.
     *
     * @param <E> the enum
     * @param property the system property
     * @param fallback the default
     * @param meaning what the setting does
     * @return the value in force
     */
    public <E extends Enum<E>> E choice(String property, E fallback, String meaning) {
        E[] constants = fallback.getDeclaringClass().getEnumConstants();
        return read(property, fallback, fallback.name().toLowerCase(Locale.ROOT), meaning,
                text -> Arrays.stream(constants).filter(e -> e.name().equalsIgnoreCase(text)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("expected one of "
                                + Arrays.stream(constants).map(e -> e.name().toLowerCase(Locale.ROOT)).toList())));
    }

    /**
     * The settings read so far, in the order they were read.
     *
     * @return a copy of the list
     */
    public List<Setting> settings() {
        return List.copyOf(read);
    }
}
