package dev.colossus.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.colossus.Backends;
import dev.colossus.DType;
import dev.colossus.Device;
import dev.colossus.Ops;
import dev.colossus.Shape;
import dev.colossus.Tensor;
import dev.colossus.op.Fill;
import dev.colossus.spi.Backend;
import dev.colossus.spi.Operand;
import dev.colossus.spi.Storage;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where a GPU is present: a kernel that writes to an illegal address loses the context; the failure
 * that reports it is a {@link CudaContextLostException} naming the op, every later op on the GPU fails
 * at once with that first failure as its cause, closing tensors does not throw, and host ops go on.
 * Run in a JVM of its own ({@link #main}), since a lost context stays lost for its process.
 */
class ContextLossTest {

    @Test
    void aFaultingKernelLosesTheContextAndEveryLaterOpNamesTheFirstFailure() throws Exception {
        assumeTrue(Backends.availableNames().contains("cuda"), () -> "no GPU here: " + new CudaBackendProvider().probe());
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", classPath(), ContextLossTest.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes());
        assertEquals(0, child.waitFor(), output);
        assertTrue(output.contains("first: synchronize after full: a CUDA operation issued up to full"), output);
        assertTrue(output.contains("CUDA_ERROR_ILLEGAL_ADDRESS"), output);
        assertTrue(output.contains("later: allocating 1024 bytes on cuda:0: cuda:0 is unusable since an earlier CUDA failure"), output);
        assertTrue(output.contains("cause is the first: true"), output);
        assertTrue(output.contains("closed after the loss"), output);
        assertTrue(output.contains("host add: 2.0"), output);
    }

    /** The child: a fill into an address 4 TiB past its storage, then a synchronisation, an add, closes and a host op. */
    public static void main(String[] args) {
        Backend cuda = Backends.get("cuda");
        Tensor y = Tensor.ones(DType.F32, 256).to(Device.cuda(0));
        Storage storage = cuda.allocate(1024);
        Operand past = Operand.contiguous(storage, DType.F32, Shape.of(256)).withLayout(Shape.of(256), new long[] {1}, 1L << 40);
        cuda.execute(new Fill(past, 1));
        CudaContextLostException first = null;
        try {
            cuda.synchronize();
        } catch (CudaContextLostException e) {
            first = e;
            System.out.println("first: " + e.getMessage());
        }
        try {
            Ops.add(y, y);
        } catch (CudaContextLostException e) {
            System.out.println("later: " + e.getMessage());
            System.out.println("cause is the first: " + (e.getCause() == first));
        }
        storage.release();
        y.close();
        System.out.println("closed after the loss");
        try (Tensor one = Tensor.ones(DType.F32, 1); Tensor two = Ops.add(one, one)) {
            System.out.println("host add: " + two.item());
        }
    }

    /** This JVM's class path and the URLs of the loaders above the test (JUnit's console launcher loads it from its own). */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (ClassLoader loader = ContextLossTest.class.getClassLoader(); loader != null; loader = loader.getParent()) {
            if (loader instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    entries.add(toPath(url));
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String toPath(URL url) {
        try {
            return Path.of(url.toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(url.toString(), e);
        }
    }
}
