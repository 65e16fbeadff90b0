package io.flashbutterfly.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the first loadable file among directories x file names with {@link System#load}, so that
 * the generated bindings (which look symbols up through the class loader) find its symbols.
 */
final class LibraryLoader {
    private LibraryLoader() {}

    /**
     * @param library   the name used in messages, e.g. "cuFFT"
     * @param fileNames file names in order of preference, e.g. libcufft.so.12, libcufft.so.11
     * @param dirs      directories in search order
     * @param hint      the last line of the failure message: how to point the library at a folder
     * @return the path loaded
     * @throws NativeLibraryException listing every path tried and why it failed
     */
    static Path loadFirst(String library, List<String> fileNames, List<Path> dirs, String hint) {
        List<String> attempts = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                attempts.add(dir + ": no such directory");
                continue;
            }
            for (String name : fileNames) {
                Path candidate = dir.resolve(name).toAbsolutePath();
                if (!Files.exists(candidate)) {
                    attempts.add(candidate + ": not found");
                    continue;
                }
                try {
                    System.load(candidate.toString());
                    return candidate;
                } catch (UnsatisfiedLinkError e) {
                    attempts.add(candidate + ": " + e.getMessage());
                }
            }
        }
        throw new NativeLibraryException(library, attempts, hint);
    }
}
