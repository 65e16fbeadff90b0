package io.flashbutterfly.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** How the validation tests check a refusal: its type, and a message that says what was wrong. */
public final class Rejections {
    private Rejections() {}

    /** call throws type with a message containing fragment. */
    public static void assertRejected(Class<? extends Throwable> type, String fragment, Executable call) {
        Throwable e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
                () -> "expected a message containing '" + fragment + "', got: " + e.getMessage());
    }
}
