package io.flashbutterfly.testing;

/** Which gates a gated-convolution case gives: each alone, or both. */
public enum GateCase {
    PRE(true, false),
    POST(false, true),
    BOTH(true, true);

    private final boolean pre;
    private final boolean post;

    GateCase(boolean pre, boolean post) {
        this.pre = pre;
        this.post = post;
    }

    /** Whether the case gates the input. */
    public boolean pre() { return pre; }

    /** Whether the case gates the output. */
    public boolean post() { return post; }
}
