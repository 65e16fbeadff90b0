package io.flashbutterfly.ops;

import io.flashbutterfly.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The Adam optimiser (Kingma and Ba), with bias correction, on tensors of any device; the
 * update is computed in float64 on the host. One instance keeps the moments of every parameter
 * it has stepped.
 */
public final class Adam {
    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final Map<Tensor, double[][]> moments = new IdentityHashMap<>();
    private final Map<Tensor, Integer> steps = new IdentityHashMap<>();

    /** Adam with the usual betas (0.9, 0.999) and epsilon 1e-8. */
    public Adam(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-8);
    }

    /** Adam with every constant given. */
    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    /** Updates parameter in place from its gradient. */
    public void step(Tensor parameter, Tensor gradient) {
        Objects.requireNonNull(parameter, "parameter must not be null");
        Objects.requireNonNull(gradient, "gradient must not be null");
        if (!gradient.shape().equals(parameter.shape())) {
            throw new IllegalArgumentException("gradient must be " + parameter.shape() + ", got " + gradient.shape());
        }
        double[] p = parameter.toDoubleArray();
        double[] g = gradient.toDoubleArray();
        double[][] m = moments.computeIfAbsent(parameter, k -> new double[][] {new double[p.length], new double[p.length]});
        int t = steps.merge(parameter, 1, Integer::sum);
        double correction1 = 1 - Math.pow(beta1, t);
        double correction2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < p.length; i++) {
            m[0][i] = beta1 * m[0][i] + (1 - beta1) * g[i];
            m[1][i] = beta2 * m[1][i] + (1 - beta2) * g[i] * g[i];
            p[i] -= learningRate * (m[0][i] / correction1) / (Math.sqrt(m[1][i] / correction2) + epsilon);
        }
        parameter.copyFrom(p);
    }
}
