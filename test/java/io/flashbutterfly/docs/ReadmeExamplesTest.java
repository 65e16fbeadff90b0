package io.flashbutterfly.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flashbutterfly.api.LongConv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's examples: every jshell session replayed on the CPU after tools/flashbutterfly.jsh
 * (JShell's local engine: snippets run in this JVM), and every Java block compiled. In a session each
 * line runs, and each value prints as the README shows it (the inputs are seeded; numbers to
 * about the shown digits).
 */
class ReadmeExamplesTest {
    private static final String PROMPT = "jshell> ";
    private static final String SHOWS = " ==> ";

    /** A session: its prompt lines, each with the value the README shows after it (or null). */
    record Session(int line, List<String> inputs, List<String> shown) {
        @Override
        public String toString() { return "README.md line " + line; }
    }

    /** The code blocks of the README that hold jshell prompts. */
    static Stream<Session> sessions() {
        List<String> lines = readme().lines().toList();
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("```")) continue;
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !lines.get(end).startsWith("```")) end++;
            i = end;
            int first = start;
            while (first < end && !lines.get(first).startsWith(PROMPT)) first++; // a banner may come first
            if (first == end) continue;
            Session session = new Session(first + 1, new ArrayList<>(), new ArrayList<>());
            for (int j = first; j < end; j++) {
                String line = lines.get(j);
                if (line.startsWith(PROMPT)) {
                    session.inputs().add(line.substring(PROMPT.length()));
                    session.shown().add(null);
                } else {
                    assertTrue(line.contains(SHOWS) && session.shown().getLast() == null,
                            "README.md line " + (j + 1) + " is neither a prompt nor its value: " + line);
                    session.shown().set(session.shown().size() - 1, line.substring(line.indexOf(SHOWS) + SHOWS.length()));
                }
            }
            sessions.add(session);
        }
        assertFalse(sessions.isEmpty(), "the README has no jshell session");
        return sessions.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sessions")
    void runsAndPrintsWhatTheReadmeShows(Session session) throws URISyntaxException, IOException {
        assumeTrue(ModuleLayer.boot().findModule("jdk.jshell").isPresent(),
                "skipped: this Java runtime has no jdk.jshell module");
        try (JShell shell = newShell()) {
            evalAll(shell, "device = Device.CPU;"); // the README's sessions are CPU ones
            for (int i = 0; i < session.inputs().size(); i++) {
                String value = evalAll(shell, session.inputs().get(i));
                if (session.shown().get(i) != null) assertShows(session.shown().get(i), value, session.inputs().get(i));
            }
        }
    }

    /** The README's Java blocks compile (as method bodies after the start-up script's imports). */
    @Test
    void javaBlocksCompile() throws URISyntaxException, IOException {
        assumeTrue(ModuleLayer.boot().findModule("jdk.jshell").isPresent(),
                "skipped: this Java runtime has no jdk.jshell module");
        List<String> blocks = javaBlocks();
        assertFalse(blocks.isEmpty(), "the README has no Java block");
        try (JShell shell = newShell()) {
            for (int i = 0; i < blocks.size(); i++) evalAll(shell, "void readmeBlock" + i + "() {\n" + blocks.get(i) + "\n}");
        }
    }

    private static List<String> javaBlocks() {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String line : readme().lines().toList()) {
            if (block == null && line.equals("```java")) {
                block = new StringBuilder();
            } else if (block != null && line.startsWith("```")) {
                blocks.add(block.toString());
                block = null;
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return blocks;
    }

    /** A shell running in this JVM with the library, after the start-up script. */
    private static JShell newShell() throws URISyntaxException, IOException {
        JShell shell = JShell.builder().executionEngine("local").build();
        shell.addToClasspath(Path.of(LongConv.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        evalAll(shell, Files.readString(projectRoot().resolve("tools/flashbutterfly.jsh")));
        return shell;
    }

    /**
     * value prints as shown: the same text, where a number may differ by a thousandth of itself
     * (the printout's last digit) plus a billionth of the largest shown (float64 rounding noise
     * near zero).
     */
    private static void assertShows(String shown, String value, String input) {
        String[] want = shown.split("(?<=[\\[ ,])|(?=[\\], ])");
        String[] got = value == null ? new String[0] : value.split("(?<=[\\[ ,])|(?=[\\], ])");
        assertEquals(want.length, got.length, () -> input + ": shows " + shown + ", printed " + value);
        double scale = 0;
        for (String token : want) {
            if (!Double.isNaN(number(token))) scale = Math.max(scale, Math.abs(number(token)));
        }
        for (int t = 0; t < want.length; t++) {
            double a = number(want[t]);
            double b = number(got[t]);
            boolean same = Double.isNaN(a) ? want[t].equals(got[t]) : Math.abs(a - b) <= 1e-3 * Math.abs(a) + 1e-9 * scale;
            assertTrue(same, input + ": shows " + shown + ", printed " + value);
        }
    }

    /** The token as a number, or NaN. */
    private static double number(String token) {
        try {
            return Double.parseDouble(token);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Evaluates source snippet by snippet, each of which must be valid and throw nothing; returns the last value. */
    private static String evalAll(JShell shell, String source) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String value = null;
        String remaining = source;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            for (SnippetEvent event : shell.eval(info.source())) {
                assertEquals(Snippet.Status.VALID, event.status(), () -> "not valid: " + info.source()
                        + shell.diagnostics(event.snippet()).map(d -> d.getMessage(null)).toList());
                assertNull(event.exception(), () -> info.source() + " threw " + event.exception());
                value = event.value();
            }
            remaining = info.remaining();
        }
        return value;
    }

    private static String readme() {
        try {
            return Files.readString(projectRoot().resolve("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The folder holding README.md and the jshell start-up script, from the working directory up. */
    private static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("tools/flashbutterfly.jsh"))) return dir;
        }
        throw new IllegalStateException("no README.md with tools/flashbutterfly.jsh above " + Path.of("").toAbsolutePath());
    }
}
