package dev.colossus.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's packages depend on each other one way: no cycle among the op families, {@code
 * settings}, {@code simd} and {@code parallel} depending on no family, and nothing but the module's service loader
 * reaching for the router's package. Read from the sources' imports.
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/colossus/cpu");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?dev\\.colossus\\.cpu\\.(\\w+)");

    @Test
    void familiesDependOneWayAndOnlyTheRouterSeesThemAll() throws IOException {
        Map<String, Set<String>> uses = uses();
        for (Map.Entry<String, Set<String>> e : uses.entrySet()) {
            assertTrue(!e.getValue().contains("cpu"), e.getKey() + " depends on the router's package");
        }
        List<String> bases = List.of("settings", "simd", "parallel");
        for (String base : bases) {
            Set<String> families = new TreeSet<>(uses.getOrDefault(base, Set.of()));
            families.removeAll(bases);
            assertEquals(Set.of(), families, base + " depends on op families");
        }
        for (String start : uses.keySet()) {
            assertEquals(List.of(), cycle(uses, start, new ArrayList<>()), "a cycle from " + start);
        }
    }

    /** Package (the part after dev.colossus.cpu, "cpu" for the router's) to the packages it imports from. */
    private static Map<String, Set<String>> uses() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path folder = SOURCES.relativize(file).getParent();
                String pkg = folder == null ? "cpu" : folder.toString();
                Set<String> mine = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String used = Character.isUpperCase(m.group(1).charAt(0)) ? "cpu" : m.group(1);
                    if (!used.equals(pkg)) {
                        mine.add(used);
                    }
                }
            }
        }
        return uses;
    }

    /** A path from {@code path}'s last package back into {@code path}, or an empty list. */
    private static List<String> cycle(Map<String, Set<String>> uses, String at, List<String> path) {
        if (path.contains(at)) {
            List<String> found = new ArrayList<>(path.subList(path.indexOf(at), path.size()));
            found.add(at);
            return found;
        }
        path.add(at);
        for (String next : uses.getOrDefault(at, Set.of())) {
            List<String> found = cycle(uses, next, path);
            if (!found.isEmpty()) {
                return found;
            }
        }
        path.remove(path.size() - 1);
        return List.of();
    }
}
