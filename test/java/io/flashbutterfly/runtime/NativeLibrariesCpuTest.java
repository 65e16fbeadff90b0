package io.flashbutterfly.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibrariesCpuTest {
    @Test
    void searchOrderIsPropertyEnvCudaHomeLdPathThenStandardFolders() {
        Map<String, String> env = Map.of(
                LibrarySearchPath.DIR_ENV, "/from/env",
                "CUDA_HOME", "/opt/cuda",
                "LD_LIBRARY_PATH", "/ld/one:/ld/two");
        Map<String, String> props = Map.of(LibrarySearchPath.DIR_PROPERTY, "/from/property", "os.arch", "amd64");
        List<Path> dirs = LibrarySearchPath.of(env, props::get);
        List<Path> expectedStart = List.of(Path.of("/from/property"), Path.of("/from/env"),
                Path.of("/opt/cuda/lib64"), Path.of("/opt/cuda/lib"), Path.of("/opt/cuda/targets/x86_64-linux/lib"),
                Path.of("/ld/one"), Path.of("/ld/two"), Path.of("/usr/local/cuda/lib64"));
        assertEquals(expectedStart, dirs.subList(0, expectedStart.size()));
        assertTrue(dirs.contains(Path.of("/usr/lib/x86_64-linux-gnu")));
    }

    @Test
    void pythonWheelFoldersAreSearched(@TempDir Path venv) throws IOException {
        Path wheelLib = Files.createDirectories(venv.resolve("lib/python3.12/site-packages/nvidia/cufft/lib"));
        List<Path> dirs = LibrarySearchPath.of(Map.of("VIRTUAL_ENV", venv.toString()), key -> null);
        assertTrue(dirs.contains(wheelLib), dirs.toString());
    }

    @Test
    void failureListsEveryPathTriedAndTheLoaderError(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("libcufft.so.12");
        Files.writeString(broken, "not an ELF file");
        Path missing = dir.resolve("absent");
        var e = assertThrows(NativeLibraryException.class, () -> LibraryLoader.loadFirst("cuFFT",
                List.of("libcufft.so.12", "libcufft.so.11"), List.of(missing, dir), "hint line"));
        String message = e.getMessage();
        assertTrue(message.startsWith("cannot load cuFFT"), message);
        assertTrue(message.contains(missing + ": no such directory"), message);
        assertTrue(message.contains(broken.toString() + ": "), message);
        assertTrue(message.contains(dir.resolve("libcufft.so.11") + ": not found"), message);
        assertTrue(message.endsWith("hint line"), message);
        assertEquals(3, e.attempts().size());
        // The dynamic loader's own reason for the broken file is part of the message.
        assertTrue(e.attempts().get(1).length() > broken.toString().length() + 2, e.attempts().get(1));
    }

    @Test
    void cudaVersionsReadAsMajorDotMinor() {
        assertEquals("13.0", NativeLibraries.cudaVersion(13000));
        assertEquals("12.8", NativeLibraries.cudaVersion(12080));
    }

    @Test
    void unavailabilityIsExplainedNotThrown() {
        // On a machine without CUDA this is the reason GPU tests skip; with CUDA there is none.
        String reason = Cuda.unavailableReason();
        assumeTrue(reason != null, "CUDA is usable here: there is no unavailability to explain");
        assertTrue(reason.length() > 20, "a reason a person can act on: " + reason);
        assertTrue(reason.contains("cuda") || reason.contains("CUDA") || reason.contains("cannot load"), reason);
    }
}
