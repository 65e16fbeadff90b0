package io.flashbutterfly.bench;

import io.flashbutterfly.backend.cuda.OnChipLimit;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.DeviceInfo;
import java.util.Arrays;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The benchmark jar's entry point: a plain table runner (default) or JMH ({@code --jmh ARGS...}).
 * Runs on the first CUDA device when there is one, else on the CPU backend, and says which.
 *
 * <pre>
 * java -jar flashbutterfly-bench.jar [--iterations N] [--warmup N] [--cpu] [--dtype bf16,fp32]
 *      [--shapes B,H,L;...] [--mode causal] [--algorithm auto] [--gates] [--peer bench/peer/torch_longconv.py]
 *      [--markdown FILE] [--json FILE]
 * java -jar flashbutterfly-bench.jar --learned [--iterations N] [--warmup N] [--cpu] [--dtype ...] [--shapes ...]
 *                                      [--markdown FILE]
 *                                      (the learned butterfly against the fixed FlashButterfly path)
 * java -jar flashbutterfly-bench.jar --plot FILE.json      (the PNG again, where java.desktop is)
 * java -jar flashbutterfly-bench.jar --jmh [JMH options]
 * java -jar flashbutterfly-bench.jar --train FILE [H L STEPS]  (the regularisation comparison: FILE.md, FILE.json,
 *                                                             and FILE.png where the runtime has java.desktop)
 * java -jar flashbutterfly-bench.jar --plot-training FILE.json  (its PNG from that JSON, where java.desktop is)
 * </pre>
 */
public final class BenchMain {
    private static final Logger LOG = LogManager.getLogger(BenchMain.class);

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length == 2 && args[0].equals("--plot")) {
            java.nio.file.Path json = java.nio.file.Path.of(args[1]);
            ConvBenchmark.plot(json, JsonReport.read(json));
            return;
        }
        if (args.length > 0 && args[0].equals("--plot-training")) {
            if (args.length != 2) {
                throw new IllegalArgumentException("usage: --plot-training FILE.json (as --train FILE wrote it)");
            }
            if (!TrainingFigure.drawable()) {
                throw new IllegalStateException("--plot-training needs a Java runtime with the java.desktop module; "
                        + "this one (" + System.getProperty("java.home") + ") lacks it");
            }
            System.out.println("plot written to " + TrainingPlot.plot(java.nio.file.Path.of(args[1])));
            return;
        }
        if (args.length > 0 && args[0].equals("--train")) {
            TrainingRun.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        boolean learned = args.length > 0 && args[0].equals("--learned");
        BenchOptions options = learned ? BenchOptions.parseLearned(Arrays.copyOfRange(args, 1, args.length))
                : BenchOptions.parse(args);
        String reason = options.forceCpu() ? "--cpu given" : Cuda.unavailableReason();
        String backend;
        if (reason == null) {
            DeviceInfo info = Cuda.deviceInfo(0);
            int sizing = OnChipLimit.sharedMemoryPerBlock(0);  // less than the device's where capped
            backend = "CUDA, " + info + (sizing < info.sharedMemoryPerBlockOptin()
                    ? ", sizes for " + sizing + " B smem/block" : "");
        } else {
            backend = "CPU, " + Runtime.getRuntime().availableProcessors() + " cores (no GPU used: "
                    + reason.lines().findFirst().orElse(reason) + ")";
            LOG.info("running the CPU backend; GPU benchmarks need CUDA");
        }
        System.out.println("backend: " + backend);
        if (learned) {
            LearnedButterflyBenchmark.run(options, reason == null, backend);
        } else {
            new ConvBenchmark(options, reason == null).run(backend);
        }
    }
}
