package io.flashbutterfly.bench;

import io.flashbutterfly.api.KernelSpectrum;
import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.model.LongConvModel;
import io.flashbutterfly.ops.Adam;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The paper's finding on a seeded synthetic task: recover a hidden long impulse response (a damped
 * oscillation over the whole length) from noisy input/output pairs with a small nonlinear model
 * ({@link LongConvModel}: linear 1 to H channels, long convolution with D skip, GELU, linear H to
 * 1; Adam on every parameter), once per kernel regularisation. Reports the held-out loss against
 * the noiseless outputs and the learned long-convolution kernels' total variation, and writes each
 * model's impulse response and loss curve as JSON, drawn where the runtime can
 * ({@link TrainingPlot}, or {@code --plot-training FILE.json} on another machine).
 */
final class TrainingRun {
    private static final Logger LOG = LogManager.getLogger(TrainingRun.class);
    private static final int BATCH = 4;
    private static final double NOISE = 1.0;
    private static final int RECORD_EVERY = 10;

    /**
     * One variant's outcome: totalVariation is the learned long-convolution kernels' (mean per
     * channel), response the trained model's output for a unit impulse at t = 0.
     */
    record Result(String name, double heldOutLoss, double totalVariation, List<double[]> curve, double[] response) {}

    private static final long SEED = 7;

    private TrainingRun() {}

    /** FILE [H L STEPS]: on the first GPU when there is one (default 8, 16384, 400), else the CPU (4, 1024, 400). */
    static void main(String[] args) throws IOException {
        if (args.length != 1 && args.length != 4) {
            throw new IllegalArgumentException("usage: --train FILE [H L STEPS], got " + String.join(" ", args));
        }
        boolean gpu = Cuda.unavailableReason() == null;
        int[] sizes = args.length == 4
                ? new int[] {Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3])}
                : gpu ? new int[] {8, 16384, 400} : new int[] {4, 1024, 400};
        run(gpu ? Device.cuda(0) : Device.CPU, sizes[0], sizes[1], sizes[2], SEED, Path.of(args[0]));
    }

    /**
     * Trains once per regularisation on device and writes FILE.md (the table), FILE.json (all the
     * figure draws: {@link TrainingFigure}) and, where the runtime has java.desktop, FILE.png drawn
     * from that JSON, for base FILE.
     */
    static void run(Device device, int channels, int length, int steps, long seed, Path base) throws IOException {
        Map<String, KernelRegularization> variants = new LinkedHashMap<>();
        variants.put("none", KernelRegularization.NONE);
        variants.put("squash 2e-4", KernelRegularization.NONE.withSquash(2e-4));
        variants.put("smooth 5", KernelRegularization.NONE.withSmoothing(5));
        variants.put("squash 2e-4 + smooth 5", KernelRegularization.NONE.withSquash(2e-4).withSmoothing(5));
        double[] hidden = hiddenResponse(length);
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, KernelRegularization> v : variants.entrySet()) {
            LOG.info("training with regularisation {} on {} (H={}, L={}, {} steps)", v.getKey(), device, channels,
                    length, steps);
            results.add(train(v.getKey(), v.getValue(), device, hidden, channels, length, steps, seed));
        }
        StringBuilder md = new StringBuilder("| regularisation | held-out loss | total variation of k, mean per channel"
                + " | total variation of the impulse response |\n|---|---:|---:|---:|\n");
        for (Result r : results) {
            md.append(String.format("| %s | %.4g | %.4g | %.4g |%n", r.name(), r.heldOutLoss(), r.totalVariation(),
                    totalVariation(r.response(), 1, length)));
        }
        md.append(String.format("| (the hidden response) | 0 | - | %.4g |%n", totalVariation(hidden, 1, length)));
        System.out.print(md);
        String where = device.isCuda() ? Cuda.deviceInfo(device.index()).toString()
                : "cpu, " + Runtime.getRuntime().availableProcessors() + " cores";
        String settings = String.format("Training: model 1 -> H=%d -> 1 (linear, long conv + D, GELU, linear), L=%d,"
                + " batch %d, %d Adam steps, noise sd %.1f, seed %d, on %s", channels, length, BATCH, steps, NOISE, seed,
                where);
        Files.writeString(base.resolveSibling(base.getFileName() + ".md"), settings + String.format("%n%n") + md);
        Path json = base.resolveSibling(base.getFileName() + ".json");
        new TrainingFigure(settings, hidden, results).write(json);
        LOG.info("the figure's data written to {}", json);
        if (!TrainingFigure.drawable()) {
            LOG.warn("no plot: this Java runtime lacks java.desktop; run --plot-training {} where it has it", json);
            return;
        }
        try {
            LOG.info("plot written to {}", TrainingPlot.plot(json)); // the --plot-training path, from the JSON
        } catch (NoClassDefFoundError | UnsatisfiedLinkError e) {
            LOG.warn("no plot: this Java runtime cannot draw ({}); run --plot-training {} where it can", e.toString(),
                    json);
        }
    }

    /** A damped oscillation reaching over the whole length. */
    static double[] hiddenResponse(int length) {
        double[] k = new double[length];
        for (int t = 0; t < length; t++) k[t] = 0.05 * Math.exp(-3.0 * t / length) * Math.cos(4 * Math.PI * t / length);
        return k;
    }

    private static Result train(String name, KernelRegularization regularization, Device device, double[] hidden,
                                int channels, int length, int steps, long seed) {
        LongConv conv = LongConv.causal();
        Shape batch = Shape.of(BATCH, 1, length);
        try (Arena arena = Arena.ofConfined()) {
            Tensor kTrue = Tensor.of(arena, device, DType.FP32, Shape.of(1, length), hidden);
            KernelSpectrum truth = conv.spectrum(kTrue, length); // the hidden response's, once
            Tensor heldOutU = Tensor.randn(arena, device, DType.FP32, batch, seed - 1);
            double[] heldOutTarget = conv.forward(heldOutU, truth, null).toDoubleArray();
            LongConvModel model = LongConvModel.create(arena, device, channels, length, regularization, seed);
            Adam adam = new Adam(2e-3);
            SplittableRandom noise = new SplittableRandom(seed + 1);
            List<double[]> curve = new ArrayList<>();
            for (int step = 0; step < steps; step++) {
                try (Arena scratch = Arena.ofConfined()) {
                    Tensor u = Tensor.randn(scratch, device, DType.FP32, batch, seed + 10 + step);
                    double[] target = conv.forward(u, truth, null).toDoubleArray();
                    for (int i = 0; i < target.length; i++) target[i] += NOISE * noise.nextGaussian();
                    double loss = model.trainStep(scratch, u, target, adam, step);
                    if (step % RECORD_EVERY == 0 || step == steps - 1) {
                        curve.add(new double[] {step, loss, model.loss(scratch, heldOutU, heldOutTarget)});
                    }
                }
            }
            try (Arena scratch = Arena.ofConfined()) {
                double[] learned = model.kernel().forward(scratch, false, 0).toDoubleArray();
                return new Result(name, curve.get(curve.size() - 1)[2], totalVariation(learned, channels, length),
                        curve, impulseResponse(scratch, model, device, length));
            }
        }
    }

    /** The model's output for a unit impulse at t = 0 less its output for zeros (the bias's share). */
    private static double[] impulseResponse(Arena scratch, LongConvModel model, Device device, int length) {
        double[] impulse = new double[length];
        impulse[0] = 1;
        Shape one = Shape.of(1, 1, length);
        double[] response = model.forward(scratch, Tensor.of(scratch, device, DType.FP32, one, impulse), false, 0)
                .toDoubleArray();
        double[] rest = model.forward(scratch, Tensor.zeros(scratch, device, DType.FP32, one), false, 0).toDoubleArray();
        for (int t = 0; t < length; t++) response[t] -= rest[t];
        return response;
    }

    /** Sum over channels of sum_t |k[t+1] - k[t]|, per channel on average. */
    static double totalVariation(double[] k, int channels, int length) {
        double sum = 0;
        for (int h = 0; h < channels; h++) {
            for (int t = 1; t < length; t++) sum += Math.abs(k[h * length + t] - k[h * length + t - 1]);
        }
        return sum / channels;
    }
}
