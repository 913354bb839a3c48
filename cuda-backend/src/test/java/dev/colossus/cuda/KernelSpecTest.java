package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every kernel the backend launches ({@link CudaBackend#KERNELS}) is declared as the committed PTX
 * declares it: the entry exists in its module and takes the spec's parameters, in order, of the same
 * types and sizes; and every entry of every committed module is declared by a spec. No GPU needed:
 * a parameter added, dropped or swapped on one side fails here, not on the next GPU run.
 */
class KernelSpecTest {
    private static final Path COMMITTED = Path.of("src/main/resources/dev/colossus/cuda/ptx");
    private static final Pattern ENTRY = Pattern.compile("\\.entry (\\w+)\\(([^)]*)\\)");
    private static final Pattern SCALAR = Pattern.compile("\\.param \\.(\\w+) \\w+");
    private static final Pattern BYTES = Pattern.compile("\\.param \\.align (\\d+) \\.b8 \\w+\\[(\\d+)\\]");

    @Test
    void everySpecTakesTheParametersItsPtxEntryDeclares() throws IOException {
        Map<String, List<String>> entries = entries();
        for (KernelSpec spec : CudaBackend.KERNELS) {
            List<String> declared = entries.get(spec.toString());
            assertTrue(declared != null, spec + " is not in the committed PTX");
            assertEquals(declared, spec.params().stream().map(p -> p.ptx).toList(), spec + "'s parameters");
        }
    }

    @Test
    void everyCommittedEntryIsDeclaredOnceBySpec() throws IOException {
        List<String> specs = CudaBackend.KERNELS.stream().map(KernelSpec::toString).toList();
        assertEquals(specs.size(), new TreeSet<>(specs).size(), "a kernel declared twice");
        assertEquals(entries().keySet(), new TreeSet<>(specs));
    }

    @Test
    void specsStayWithinABlock() {
        for (KernelSpec spec : CudaBackend.KERNELS) {
            assertTrue(spec.threads() >= 32 && spec.threads() <= 1024 && spec.threads() % 32 == 0, spec + " threads");
            assertTrue(spec.sharedBytes() >= 0 && spec.sharedBytes() <= 227 * 1024, spec + " shared bytes");
        }
    }

    @Test
    void argumentsThatDoNotFollowTheSpecAreRefusedBeforeALaunch() {
        KernelSpec copy = CudaElementwise.COPY;
        Kernels.Arguments swapped = new Kernels.Arguments().i64(1).layout(KernelLayout.of(new long[] {1}, new long[] {1}, 0, 0))
                .address(0).address(0).layout(KernelLayout.of(new long[] {1}, new long[] {1}, 0, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Kernels(null).launch(copy, "copy", 1, swapped));
        assertTrue(e.getMessage().contains("elementwise/copy takes [I64, ADDRESS, LAYOUT, ADDRESS, LAYOUT]"), e.getMessage());
    }

    /** module/entry to its parameters' PTX types, as {@link KernelSpec.Param#ptx} spells them. */
    private static Map<String, List<String>> entries() throws IOException {
        Map<String, List<String>> entries = new TreeMap<>();
        try (Stream<Path> files = Files.list(COMMITTED)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".ptx")).toList()) {
                String module = file.getFileName().toString().replaceFirst("\\.ptx$", "");
                Matcher m = ENTRY.matcher(Files.readString(file));
                while (m.find()) {
                    List<String> params = new ArrayList<>();
                    for (String param : m.group(2).split(",")) {
                        Matcher bytes = BYTES.matcher(param);
                        Matcher scalar = SCALAR.matcher(param);
                        if (bytes.find()) {
                            params.add("b8[" + bytes.group(2) + "] align " + bytes.group(1));
                        } else if (scalar.find()) {
                            params.add(scalar.group(1));
                        }
                    }
                    entries.put(module + "/" + m.group(1), params);
                }
            }
        }
        return entries;
    }
}
