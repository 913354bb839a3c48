package dev.colossus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM has no parent (importing it must not import the build's JUnit and JMH versions), so its
 * version, its JCuda version and its build timestamp are written twice: the copies must equal the
 * parent's. And the version the build writes into core's jar is the parent's.
 */
class BomVersionTest {
    /** The repository's root: Surefire runs core's tests in {@code core/}. */
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void bomMovesWithTheParent() throws IOException {
        String parent = Files.readString(ROOT.resolve("pom.xml")), bom = Files.readString(ROOT.resolve("bom/pom.xml"));
        assertEquals(find(parent, "\\n  <artifactId>colossus-parent</artifactId>\\s*<version>([^<]+)</version>"),
                find(bom, "\\n  <artifactId>colossus-bom</artifactId>\\s*<version>([^<]+)</version>"), "colossus-bom's version");
        assertEquals(find(parent, "<jcuda.version>([^<]+)</jcuda.version>"), find(bom, "<jcuda.version>([^<]+)</jcuda.version>"),
                "colossus-bom's jcuda.version");
        String timestamp = "<project.build.outputTimestamp>([^<]+)</project.build.outputTimestamp>";
        assertEquals(find(parent, timestamp), find(bom, timestamp), "colossus-bom's project.build.outputTimestamp");
    }

    @Test
    void theBuildWritesTheVersionThatBackendsReports() throws IOException {
        String version = find(Files.readString(ROOT.resolve("pom.xml")),
                "\\n  <artifactId>colossus-parent</artifactId>\\s*<version>([^<]+)</version>");
        assertEquals(version, Backends.version());
        assertTrue(Backends.describe().startsWith("Colossus " + version + "\n"), Backends.describe());
    }

    private static String find(String pom, String regex) {
        Matcher m = Pattern.compile(regex).matcher(pom);
        if (!m.find()) {
            throw new AssertionError("no match for " + regex);
        }
        return m.group(1);
    }
}
