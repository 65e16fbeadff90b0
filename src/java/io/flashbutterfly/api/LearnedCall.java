package io.flashbutterfly.api;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The sizes of one learned-butterfly call, u (batch, channels, length) and k (channels, taps),
 * after checking u, k and d against each other and against the parameters: their device, FFT
 * size and groups.
 */
record LearnedCall(int batch, int channels, int length, int taps) {
    /** Where the device checks say the parameters live. */
    private static final String PARAMETERS_ARE = "the learned parameters are";

    static LearnedCall check(Tensor u, Tensor k, Tensor d, Device device, long fftSize, int groups) {
        Objects.requireNonNull(u, "u must not be null");
        Objects.requireNonNull(k, "k must not be null");
        Checks.requireOpen("u", u);
        Checks.requireOpen("k", k);
        if (u.shape().rank() != 3) throw new IllegalArgumentException("u must be (B, H, L), got " + u.shape());
        Checks.requireOn("u", u, device, PARAMETERS_ARE);
        Checks.requireOn("k", k, device, PARAMETERS_ARE);
        long batch = u.shape().dim(0);
        long channels = u.shape().dim(1);
        long length = u.shape().dim(2);
        if (batch < 1 || channels < 1 || length < 1) {
            throw new IllegalArgumentException("u must be (B, H, L) with B, H, L >= 1, got " + u.shape());
        }
        if (k.shape().rank() != 2 || k.shape().dim(0) != channels || k.shape().dim(1) < 1) {
            throw new IllegalArgumentException("k must be (H=" + channels + ", Lk >= 1), got " + k.shape());
        }
        long taps = k.shape().dim(1);
        if (taps > length || length + taps - 1 > fftSize) {
            throw new IllegalArgumentException("k's length " + taps + " and u's length " + length + " need Lk <= L and"
                    + " L + Lk - 1 <= N = " + fftSize);
        }
        if (groups != 1 && groups != channels) {
            throw new IllegalArgumentException("these parameters have " + groups + " groups: they serve H=" + groups
                    + " channels (or any H with 1 group); u has H=" + channels);
        }
        if (d != null) {
            Checks.requireOpen("d", d);
            Checks.requireOn("d", d, device, PARAMETERS_ARE);
            if (d.shape().rank() != 1 || d.shape().dim(0) != channels) {
                throw new IllegalArgumentException("d must be (H=" + channels + "), got " + d.shape());
            }
        }
        return new LearnedCall(Math.toIntExact(batch), Math.toIntExact(channels), Math.toIntExact(length),
                Math.toIntExact(taps));
    }

    /**
     * For a backward into out: dy like u; out's du, dk and dd like u, k and d (dd given exactly
     * with d); its dFactors one per parameter, in order, each like it (names: the parameters').
     */
    static void checkBackward(Tensor dy, Tensor u, Tensor k, Tensor d, LearnedGradients out, List<Tensor> parameters,
                              List<String> names) {
        checkDy(dy, u);
        Objects.requireNonNull(out, "out must not be null");
        Checks.requireLike("out.du", out.du(), u);
        Checks.requireOpen("out.du", out.du());
        Checks.requireMatches("out.dk", out.dk(), k.shape(), k.dtype(), u.device());
        Checks.requireOpen("out.dk", out.dk());
        Outputs.requireGivenWith("out.dd", out.dd(), "d", d);
        if (out.dd() != null) Checks.requireOpen("out.dd", out.dd());
        if (out.dFactors().size() != parameters.size()) {
            throw new IllegalArgumentException("out.dFactors must hold " + parameters.size() + " tensors (" + names
                    + "), got " + out.dFactors().size());
        }
        for (int i = 0; i < parameters.size(); i++) {
            Checks.requireLike("out.dFactors " + names.get(i), out.dFactors().get(i), parameters.get(i));
            Checks.requireOpen("out.dFactors " + names.get(i), out.dFactors().get(i));
        }
    }

    /**
     * conv's allocating forward: check (u, k and d against the parameters) before anything is
     * allocated, then y like u owned by u's arena, written by conv's forward on the default
     * stream; closed if that fails.
     */
    static Tensor forward(LearnedConvolution conv, Tensor u, Tensor k, Tensor d, Runnable check) {
        check.run();
        return Outputs.written(u, u.shape(), u.dtype(), y -> conv.forward(u, k, d, y, Stream.DEFAULT));
    }

    /**
     * conv's allocating backward: check and dy's checks before anything is allocated, then new
     * gradients owned by u's arena (like u, k and d, none without d, and like each parameter),
     * written by conv's backward on the default stream; closed if that fails.
     */
    static LearnedGradients backward(LearnedConvolution conv, Tensor dy, Tensor u, Tensor k, Tensor d, Runnable check) {
        check.run();
        checkDy(dy, u);
        List<Tensor> made = new ArrayList<>();
        try {
            List<Tensor> dParameters = new ArrayList<>();
            for (Tensor p : conv.parameters()) dParameters.add(Outputs.empty(made, u, p.shape(), p.dtype()));
            LearnedGradients out = new LearnedGradients(Outputs.empty(made, u, u.shape(), u.dtype()),
                    Outputs.empty(made, u, k.shape(), k.dtype()),
                    d == null ? null : Outputs.empty(made, u, d.shape(), d.dtype()), dParameters);
            conv.backward(dy, u, k, d, out, Stream.DEFAULT);
            return out;
        } catch (RuntimeException e) {
            made.forEach(Tensor::close);
            throw e;
        }
    }

    /** dy given, open and like u. */
    static void checkDy(Tensor dy, Tensor u) {
        Objects.requireNonNull(dy, "dy must not be null");
        Checks.requireLike("dy", dy, u);
        Checks.requireOpen("dy", dy);
    }
}
