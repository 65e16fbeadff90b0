package io.flashbutterfly.runtime;

import java.util.List;

/**
 * A native library (CUDA runtime, cuFFT, cuBLAS or flashbutterfly's own) could not be loaded.
 * The message lists every path tried, in order, with why each failed.
 */
public final class NativeLibraryException extends RuntimeException {
    private final List<String> attempts;

    /**
     * @param library  the library's name
     * @param attempts one line per path tried
     * @param hint     the last line: how to point the library at a folder
     */
    public NativeLibraryException(String library, List<String> attempts, String hint) {
        super("cannot load " + library + "; tried, in order:\n  "
                + (attempts.isEmpty() ? "(no candidate path)" : String.join("\n  ", attempts))
                + "\n" + hint);
        this.attempts = List.copyOf(attempts);
    }

    /** One line per path tried: the path and why it failed. */
    public List<String> attempts() { return attempts; }
}
