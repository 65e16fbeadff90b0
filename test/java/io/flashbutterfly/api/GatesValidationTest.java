package io.flashbutterfly.api;

import static io.flashbutterfly.testing.CpuTensors.zeros;
import static io.flashbutterfly.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gates and their gradients are checked before anything is allocated, with exceptions that name
 * the argument and say what was expected; a call that fails later leaves no tensor behind.
 */
class GatesValidationTest {
    private final LongConv conv = LongConv.causal();
    private Arena arena;
    private Tensor u;
    private KernelSpectrum k;

    @BeforeEach
    void arrange() {
        arena = Arena.ofConfined();
        u = zeros(arena, 2, 3, 8);
        k = conv.spectrum(zeros(arena, 3, 8), 8);
    }

    @AfterEach
    void release() {
        arena.close();
    }

    @Test
    void gatesMustBeShapedLikeU() {
        assertRejected(IllegalArgumentException.class, "gates.pre must be [2, 3, 8] fp32 on cpu, got [2, 3, 7]",
                () -> conv.forward(u, k, null, Gates.pre(zeros(arena, 2, 3, 7))));
        assertRejected(IllegalArgumentException.class, "gates.post must be [2, 3, 8] fp32 on cpu, got [1, 3, 8]",
                () -> conv.forward(u, k, null, Gates.post(zeros(arena, 1, 3, 8))));
        assertRejected(IllegalArgumentException.class, "gates.pre must be [2, 3, 8] fp32 on cpu, got [2, 3, 8] bf16",
                () -> conv.backward(u, u, k, null, new Gates(zeros(arena, DType.BF16, 2, 3, 8), u)));
        assertRejected(IllegalArgumentException.class, "gates.post must be [2, 3, 8] fp32 on cpu, got [2, 3, 8] fp64",
                () -> conv.backward(u, u, k, null, new Gates(u, zeros(arena, DType.FP64, 2, 3, 8))));
        assertRejected(NullPointerException.class, "gates must not be null",
                () -> conv.forward(u, k, null, (Gates) null));
        assertRejected(NullPointerException.class, "pre must not be null", () -> Gates.pre(null));
        assertRejected(NullPointerException.class, "post must not be null", () -> Gates.post(null));
        Tensor closed = zeros(arena, 2, 3, 8);
        closed.close();
        long live = Tensor.liveBytes(Device.CPU);
        assertRejected(IllegalStateException.class, "gates.pre is closed",
                () -> conv.forward(u, k, null, Gates.pre(closed)));
        assertRejected(IllegalStateException.class, "gates.post is closed",
                () -> conv.backward(u, u, k, null, Gates.post(closed)));
        assertEquals(live, Tensor.liveBytes(Device.CPU), "a rejected call allocated");
    }

    @Test
    void gradientsOfGatesAreGivenExactlyWithTheirGates() {
        Gradients plain = new Gradients(zeros(arena, 2, 3, 8), zeros(arena, 3, 8), null);
        assertRejected(IllegalArgumentException.class, "out.dpre must be given exactly when gates.pre is",
                () -> conv.backward(u, u, k, null, Gates.pre(u), plain, Stream.DEFAULT));
        assertRejected(IllegalArgumentException.class, "out.dpost must be given exactly when gates.post is",
                () -> conv.backward(u, u, k, null, Gates.post(u), plain, Stream.DEFAULT));
        Gradients extra = new Gradients(zeros(arena, 2, 3, 8), zeros(arena, 3, 8), null, zeros(arena, 2, 3, 8), null);
        assertRejected(IllegalArgumentException.class, "out.dpre must be given exactly when gates.pre is",
                () -> conv.backward(u, u, k, null, extra, Stream.DEFAULT));
        Gradients wrongShape = new Gradients(zeros(arena, 2, 3, 8), zeros(arena, 3, 8), null, null,
                zeros(arena, 2, 3, 4));
        assertRejected(IllegalArgumentException.class, "out.dpost must be [2, 3, 8] fp32 on cpu",
                () -> conv.backward(u, u, k, null, Gates.post(u), wrongShape, Stream.DEFAULT));
    }

    @Test
    void aCallThatFailsAfterAllocatingClosesItsOutputs() {
        Gates gates = new Gates(zeros(arena, 2, 3, 8), zeros(arena, 2, 3, 8));
        Tensor d = zeros(arena, 3);
        Tensor closed = zeros(arena, 2, 3, 8);
        closed.close(); // passes the up-front checks, fails when the backend reads it
        long live = Tensor.liveBytes(Device.CPU);
        assertRejected(IllegalStateException.class, "closed", () -> conv.forward(closed, k, d, gates));
        assertRejected(IllegalStateException.class, "closed", () -> conv.backward(closed, u, k, d, gates));
        assertEquals(live, Tensor.liveBytes(Device.CPU), "outputs of failed calls left open");
    }
}
