package io.flashbutterfly.runtime;

import io.flashbutterfly.bindings.cublas.Cublas;
import io.flashbutterfly.bindings.cufft.Cufft;
import io.flashbutterfly.bindings.fbnative.FlashButterflyNative;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Loads the CUDA libraries and flashbutterfly's own native library, lazily and once: CPU-only use
 * never touches them. See {@link LibrarySearchPath} for where the CUDA libraries are looked for;
 * flashbutterfly's library comes from the system property {@value #NATIVE_PROPERTY} (or the
 * environment variable {@value #NATIVE_ENV}) when set, else from inside the jar.
 */
public final class NativeLibraries {
    /** System property: path of libflashbutterfly.so to load instead of the one in the jar. */
    public static final String NATIVE_PROPERTY = "flashbutterfly.native.lib";
    /** Environment variable: like {@link #NATIVE_PROPERTY}. */
    public static final String NATIVE_ENV = "FLASHBUTTERFLY_NATIVE_LIB";

    /** The CUDA libraries the library binds, with the major versions it accepts, newest first. */
    public enum CudaLibrary {
        /** libcudart.so.13 or .12. */
        RUNTIME("CUDA runtime", "cudart", 13, 12),
        /** libcufft.so.12 or .11. */
        CUFFT("cuFFT", "cufft", 12, 11),
        /** libcublas.so.13 or .12. */
        CUBLAS("cuBLAS", "cublas", 13, 12);

        private final String displayName;
        private final String baseName;
        private final int[] majors;

        CudaLibrary(String displayName, String baseName, int... majors) {
            this.displayName = displayName;
            this.baseName = baseName;
            this.majors = majors;
        }

        List<String> fileNames() {
            List<String> names = new ArrayList<>();
            for (int major : majors) names.add("lib" + baseName + ".so." + major);
            return names;
        }
    }

    private static final Logger LOG = LogManager.getLogger(NativeLibraries.class);
    private static final String HINT = "Set -D" + LibrarySearchPath.DIR_PROPERTY + "=DIR or "
            + LibrarySearchPath.DIR_ENV + "=DIR to the folder holding the CUDA libraries, or CUDA_HOME.";
    private static final Map<CudaLibrary, Path> LOADED = new EnumMap<>(CudaLibrary.class);
    private static final Map<CudaLibrary, RuntimeException> FAILED = new EnumMap<>(CudaLibrary.class);
    private static Path nativeLibrary;
    private static RuntimeException nativeFailure;

    private NativeLibraries() {}

    /**
     * Loads lib (and the CUDA runtime first, which every other library needs) if not yet loaded.
     * A failure is remembered and rethrown on later calls, so the search runs once.
     *
     * @return the path it was loaded from
     * @throws NativeLibraryException if no candidate loads
     */
    public static synchronized Path require(CudaLibrary lib) {
        if (lib != CudaLibrary.RUNTIME) require(CudaLibrary.RUNTIME);
        Path loaded = LOADED.get(lib);
        if (loaded != null) return loaded;
        RuntimeException failed = FAILED.get(lib);
        if (failed != null) throw failed;
        try {
            loaded = LibraryLoader.loadFirst(lib.displayName, lib.fileNames(), LibrarySearchPath.current(), HINT);
            LOADED.put(lib, loaded);
            LOG.info("{} {} loaded from {}", lib.displayName, versionOf(lib), loaded);
            return loaded;
        } catch (RuntimeException e) {
            FAILED.put(lib, e);
            throw e;
        }
    }

    /**
     * Loads flashbutterfly's native kernels (after the CUDA runtime).
     *
     * @return the path it was loaded from
     * @throws NativeLibraryException if it is not in the jar (built without nvcc) nor where the
     *         property points, or does not load
     */
    public static synchronized Path requireFlashButterfly() {
        require(CudaLibrary.RUNTIME);
        if (nativeLibrary != null) return nativeLibrary;
        if (nativeFailure != null) throw nativeFailure;
        try {
            Path source = nativeLibrarySource();
            nativeLibrary = LibraryLoader.loadFirst("libflashbutterfly.so", List.of(source.getFileName().toString()),
                    List.of(source.getParent()), "Build with nvcc on the PATH, or set -D" + NATIVE_PROPERTY + "=FILE.");
            LOG.info("flashbutterfly native library {} loaded from {}", FlashButterflyNative.fb_version(), nativeLibrary);
            return nativeLibrary;
        } catch (RuntimeException e) {
            nativeFailure = e;
            throw e;
        }
    }

    /**
     * A file built beside libflashbutterfly.so (e.g. the cuFFT callbacks' LTO-IR), read from the
     * folder of {@value #NATIVE_PROPERTY} when set, else from the jar.
     *
     * @return its bytes, in memory that lives as long as the process
     * @throws NativeLibraryException if it is absent
     */
    public static synchronized MemorySegment nativeResource(String name) {
        String configured = System.getProperty(NATIVE_PROPERTY, System.getenv(NATIVE_ENV));
        String where;
        byte[] bytes;
        try {
            if (configured != null && !configured.isBlank()) {
                Path file = Path.of(configured).toAbsolutePath().resolveSibling(name);
                where = file.toString();
                bytes = Files.readAllBytes(file);
            } else {
                where = "jar resource " + resourcePath(name);
                try (InputStream in = NativeLibraries.class.getResourceAsStream(resourcePath(name))) {
                    if (in == null) throw new IOException("not found (the jar was built without nvcc)");
                    bytes = in.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new NativeLibraryException(name, List.of(e.getMessage()), "Build with nvcc on the PATH.");
        }
        LOG.debug("{} read from {}", name, where);
        return Arena.global().allocate(bytes.length, 16).copyFrom(MemorySegment.ofArray(bytes));
    }

    private static String resourcePath(String name) {
        return "/io/flashbutterfly/native/" + platform() + "/" + name;
    }

    private static Path nativeLibrarySource() {
        String configured = System.getProperty(NATIVE_PROPERTY, System.getenv(NATIVE_ENV));
        if (configured != null && !configured.isBlank()) return Path.of(configured).toAbsolutePath();
        String resource = resourcePath("libflashbutterfly.so");
        try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new NativeLibraryException("libflashbutterfly.so", List.of("jar resource " + resource
                        + ": not found (the jar was built without nvcc)"),
                        "Build with nvcc on the PATH, or set -D" + NATIVE_PROPERTY + "=FILE.");
            }
            Path dir = Files.createTempDirectory("flashbutterfly-native");
            Path file = dir.resolve("libflashbutterfly.so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new NativeLibraryException("libflashbutterfly.so",
                    List.of("jar resource " + resource + ": cannot extract: " + e), "Check the temporary folder.");
        }
    }

    /** The folder name of this platform's native library inside the jar, e.g. linux-x86_64. */
    public static String platform() {
        String arch = System.getProperty("os.arch");
        return "linux-" + switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
    }

    /** The version each library reports, once loaded; checked against the driver for the runtime. */
    private static String versionOf(CudaLibrary lib) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment version = arena.allocate(ValueLayout.JAVA_INT);
            return switch (lib) {
                case RUNTIME -> {
                    int runtime = Cuda.runtimeVersion();
                    int driver = Cuda.driverVersion();
                    if (driver == 0) {
                        LOG.warn("no CUDA driver is installed: GPU calls will fail");
                    } else if (driver < runtime) {
                        LOG.warn("the CUDA driver supports CUDA {} but the runtime is {}: GPU calls will fail"
                                + " with cudaErrorInsufficientDriver; update the driver", cudaVersion(driver), cudaVersion(runtime));
                    }
                    yield cudaVersion(runtime) + " (driver supports " + cudaVersion(driver) + ")";
                }
                case CUFFT -> {
                    Cufft.cufftGetVersion(version);
                    yield String.valueOf(version.get(ValueLayout.JAVA_INT, 0));
                }
                case CUBLAS -> {
                    // cublasGetVersion needs no handle (the argument is unused).
                    Cublas.cublasGetVersion_v2(MemorySegment.NULL, version);
                    yield String.valueOf(version.get(ValueLayout.JAVA_INT, 0));
                }
            };
        }
    }

    /** CUDA's encoded version (1000 * major + 10 * minor) as "major.minor". */
    static String cudaVersion(int encoded) {
        return (encoded / 1000) + "." + (encoded % 1000) / 10;
    }
}
