package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Stream;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * An operand of one call as a device address: memory that exists already (a tensor's, or NULL
 * for none), or a value computed into stream-ordered scratch for the call and freed with it.
 */
final class CallOperand implements AutoCloseable {
    private final MemorySegment pointer;
    private final Scratch scratch;

    private CallOperand(MemorySegment pointer, Scratch scratch) {
        this.pointer = pointer;
        this.scratch = scratch;
    }

    /** Memory that exists already (NULL for none): nothing to free. */
    static CallOperand existing(MemorySegment pointer) {
        return new CallOperand(pointer, null);
    }

    /** bytes of scratch that compute fills (queued on stream); freed if compute throws. */
    static CallOperand computed(int device, long bytes, Stream stream, Consumer<MemorySegment> compute) {
        Scratch scratch = Scratch.allocate(device, bytes, stream);
        try {
            compute.accept(scratch.segment());
        } catch (RuntimeException e) {
            scratch.close();
            throw e;
        }
        return new CallOperand(scratch.segment(), scratch);
    }

    /** The operand's device address. */
    MemorySegment pointer() { return pointer; }

    @Override
    public void close() {
        if (scratch != null) scratch.close();
    }
}
