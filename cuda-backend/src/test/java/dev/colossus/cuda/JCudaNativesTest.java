package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jcuda.LibUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JCuda's driver binding: found where JCuda looks on the class path, copied only into a directory of this user's. */
class JCudaNativesTest {
    @TempDir
    Path temporary;
    private String tmpdir;

    @BeforeEach
    void useTheTemporaryDirectory() {
        tmpdir = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", temporary.toString());
    }

    @AfterEach
    void restore() {
        System.setProperty("java.io.tmpdir", tmpdir);
    }

    private static byte[] resourceBytes() throws IOException {
        try (InputStream in = JCudaNatives.class.getClassLoader().getResourceAsStream(JCudaNatives.resource())) {
            assertNotNull(in, JCudaNatives.resource());
            return in.readAllBytes();
        }
    }

    @Test
    void onTheClassPathJCudaFindsTheLibraryItself() {
        assertEquals("libJCudaDriver-12.6.0-linux-x86_64.so", JCudaNatives.fileName());
        assertNotNull(LibUtils.class.getResource("/" + JCudaNatives.resource()));
    }

    @Test
    void theCopyLiesInAPrivateDirectoryNamedByItsHashAndIsRewrittenWhenItDiffers() throws IOException {
        Path library = JCudaNatives.extract();
        Path directory = library.getParent();
        assertEquals(temporary, directory.getParent());
        assertTrue(directory.getFileName().toString().matches("colossus-jcuda-[0-9a-f]{16}"), directory.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        assertEquals(JCudaNatives.fileName(), library.getFileName().toString());
        assertArrayEquals(resourceBytes(), Files.readAllBytes(library));

        Files.write(library, new byte[] {0x7F, 'E', 'L', 'F'});
        assertEquals(library, JCudaNatives.extract());
        assertArrayEquals(resourceBytes(), Files.readAllBytes(library));
    }

    @Test
    void aDirectoryOthersMayWriteIsRefused() throws IOException {
        Path directory = JCudaNatives.extract().getParent();
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, JCudaNatives::extract);
        assertTrue(e.getMessage().contains(directory + " is not a directory of " + System.getProperty("user.name")
                + " closed to other users' writes"), e.getMessage());
    }

    @Test
    void withoutADriverTheLoadFailsOnLibcudaNotOnTheResource() {
        boolean driver;
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
            driver = true;
        } catch (IllegalArgumentException notFound) {
            driver = false;
        }
        if (driver) {
            JCudaNatives.load();
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, JCudaNatives::load);
        assertTrue(e.getMessage().startsWith("cuda backend: JCuda's driver binding (as JCuda loads it,"), e.getMessage());
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
    }
}
