package io.flashbutterfly.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The ordered list of directories searched for the CUDA libraries:
 * <ol>
 *   <li>the system property {@value #DIR_PROPERTY} or environment variable {@value #DIR_ENV};</li>
 *   <li>{@code CUDA_HOME} and {@code CUDA_PATH} ({@code lib64}, {@code lib}, {@code targets/<arch>/lib});</li>
 *   <li>{@code LD_LIBRARY_PATH};</li>
 *   <li>standard install folders ({@code /usr/local/cuda*}, the dynamic linker's configured folders,
 *       {@code /usr/lib/<arch>-linux-gnu}, {@code /usr/lib64}, {@code /usr/lib});</li>
 *   <li>the {@code nvidia/<package>/lib} folders of Python wheels (virtualenv, conda, user and
 *       system site-packages, {@code PYTHONPATH}).</li>
 * </ol>
 * Pure apart from listing directories, so tests can feed it any environment.
 */
public final class LibrarySearchPath {
    /** System property naming a directory searched first. */
    public static final String DIR_PROPERTY = "flashbutterfly.cuda.libdir";
    /** Environment variable naming a directory searched first (after the property). */
    public static final String DIR_ENV = "FLASHBUTTERFLY_CUDA_LIBDIR";

    private LibrarySearchPath() {}

    /** The search path for this process's environment and system properties. */
    public static List<Path> current() {
        return of(System.getenv(), System::getProperty);
    }

    /** The search path for the given environment and system properties. */
    public static List<Path> of(Map<String, String> env, UnaryOperator<String> properties) {
        String arch = "aarch64".equals(properties.apply("os.arch")) ? "aarch64" : "x86_64";
        String cudaTarget = arch.equals("aarch64") ? "sbsa-linux" : "x86_64-linux";
        LinkedHashSet<Path> dirs = new LinkedHashSet<>();
        addIfSet(dirs, properties.apply(DIR_PROPERTY));
        addIfSet(dirs, env.get(DIR_ENV));
        for (String home : new String[] {env.get("CUDA_HOME"), env.get("CUDA_PATH")}) {
            if (home != null && !home.isBlank()) {
                addToolkit(dirs, Path.of(home), cudaTarget);
            }
        }
        splitPath(dirs, env.get("LD_LIBRARY_PATH"));
        addToolkit(dirs, Path.of("/usr/local/cuda"), cudaTarget);
        for (Path versioned : reverseSortedChildren(Path.of("/usr/local"), "cuda-*")) {
            addToolkit(dirs, versioned, cudaTarget);
        }
        dirs.addAll(dynamicLinkerDirs(Path.of("/etc/ld.so.conf.d")));
        for (String dir : List.of("/usr/lib/" + arch + "-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib")) {
            dirs.add(Path.of(dir));
        }
        for (Path sitePackages : pythonSitePackages(env, properties.apply("user.home"))) {
            dirs.addAll(reverseSortedChildren(sitePackages.resolve("nvidia"), "*").stream()
                    .map(p -> p.resolve("lib")).toList());
        }
        return List.copyOf(dirs);
    }

    private static void addIfSet(LinkedHashSet<Path> dirs, String dir) {
        if (dir != null && !dir.isBlank()) dirs.add(Path.of(dir));
    }

    private static void addToolkit(LinkedHashSet<Path> dirs, Path home, String cudaTarget) {
        dirs.add(home.resolve("lib64"));
        dirs.add(home.resolve("lib"));
        dirs.add(home.resolve("targets").resolve(cudaTarget).resolve("lib"));
    }

    private static void splitPath(LinkedHashSet<Path> dirs, String pathList) {
        if (pathList == null) return;
        for (String entry : pathList.split(":")) addIfSet(dirs, entry);
    }

    private static List<Path> dynamicLinkerDirs(Path confDir) {
        List<Path> dirs = new ArrayList<>();
        for (Path conf : reverseSortedChildren(confDir, "*.conf").reversed()) {
            try {
                for (String line : Files.readAllLines(conf)) {
                    String dir = line.strip();
                    if (dir.startsWith("/")) dirs.add(Path.of(dir));
                }
            } catch (IOException | RuntimeException unreadable) {
                // A conf file we cannot read adds nothing; the other folders still count.
            }
        }
        return dirs;
    }

    private static List<Path> pythonSitePackages(Map<String, String> env, String userHome) {
        List<Path> roots = new ArrayList<>();
        for (String prefix : new String[] {env.get("VIRTUAL_ENV"), env.get("CONDA_PREFIX")}) {
            if (prefix != null && !prefix.isBlank()) roots.add(Path.of(prefix, "lib"));
        }
        if (userHome != null) roots.add(Path.of(userHome, ".local", "lib"));
        roots.add(Path.of("/usr/local/lib"));
        roots.add(Path.of("/usr/lib"));
        List<Path> sites = new ArrayList<>();
        String pythonPath = env.get("PYTHONPATH");
        if (pythonPath != null) {
            for (String entry : pythonPath.split(":")) if (!entry.isBlank()) sites.add(Path.of(entry));
        }
        for (Path root : roots) {
            for (Path python : reverseSortedChildren(root, "python3*")) {
                sites.add(python.resolve("site-packages"));
                sites.add(python.resolve("dist-packages"));
            }
        }
        return sites;
    }

    /** Children of dir matching glob, newest version first (reverse name order); none if dir is absent. */
    private static List<Path> reverseSortedChildren(Path dir, String glob) {
        if (!Files.isDirectory(dir)) return List.of();
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
            stream.forEach(children::add);
        } catch (IOException | RuntimeException unreadable) {
            return List.of();
        }
        children.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return children;
    }
}
