package io.flashbutterfly.bench;

import io.flashbutterfly.api.Algorithm;
import io.flashbutterfly.api.Mode;
import io.flashbutterfly.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of the table runner.
 *
 * @param warmup     untimed runs before timing
 * @param iterations timed runs; the median is reported
 * @param forceCpu   run the CPU backend even where a GPU is present
 * @param dtypes     input dtypes to run
 * @param shapes     (B, H, L) shapes; empty for the device's default set
 * @param mode       the convolution mode
 * @param algorithm  the library's algorithm for the default column
 * @param gates      run the gated convolution (pre and post gates shaped like u)
 * @param peer       a peer script (PyTorch, FlashFFTConv) to run on the same shapes, or null
 * @param markdown   a file to append the tables to as markdown, or null
 * @param json       a file to write the results to as JSON (and a PNG plot beside it), or null
 */
record BenchOptions(int warmup, int iterations, boolean forceCpu, List<DType> dtypes, List<long[]> shapes,
                    Mode mode, Algorithm algorithm, boolean gates, Path peer, Path markdown, Path json) {
    /** The options --learned runs with, in order (its runner has no mode, algorithm, gates, peer or JSON). */
    private static final List<String> LEARNED = List.of("--warmup", "--iterations", "--cpu", "--dtype", "--shapes",
            "--markdown");

    static final String USAGE = "options: --warmup N, --iterations N, --cpu, --dtype fp32,bf16,fp16,"
            + " --shapes B,H,L[;B,H,L...], --mode causal|circular|bidirectional,"
            + " --algorithm auto|flash_butterfly|cufft, --gates,"
            + " --peer SCRIPT, --markdown FILE, --json FILE; or --learned [" + String.join(", ", LEARNED) + "]"
            + " (the learned butterfly against the fixed path); or --plot FILE.json; or --jmh [JMH options];"
            + " or --train FILE [H L STEPS] (the regularisation comparison: FILE.md, FILE.json, FILE.png where the"
            + " runtime has java.desktop); or --plot-training FILE.json (a training run's PNG from its JSON)";

    /** The options after --learned, refusing those its runner would ignore (an option's value is not one). */
    static BenchOptions parseLearned(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!LEARNED.contains(args[i])) {
                throw new IllegalArgumentException("--learned does not take " + args[i] + "; " + USAGE);
            }
            if (!args[i].equals("--cpu")) i++; // its value
        }
        return parse(args);
    }

    static BenchOptions parse(String[] args) {
        int warmup = 5;
        int iterations = 20;
        boolean cpu = false;
        List<DType> dtypes = List.of(DType.BF16, DType.FP32);
        List<long[]> shapes = List.of();
        Mode mode = Mode.CAUSAL;
        Algorithm algorithm = Algorithm.AUTO;
        boolean gates = false;
        Path peer = null;
        Path markdown = null;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--warmup" -> warmup = positive(args, ++i);
                case "--iterations" -> iterations = positive(args, ++i);
                case "--cpu" -> cpu = true;
                case "--gates" -> gates = true;
                case "--dtype" -> dtypes = parseDtypes(value(args, ++i));
                case "--shapes" -> shapes = parseShapes(value(args, ++i));
                case "--peer" -> peer = Path.of(value(args, ++i));
                case "--markdown" -> markdown = Path.of(value(args, ++i));
                case "--json" -> json = Path.of(value(args, ++i));
                case "--mode" -> mode = Mode.valueOf(value(args, ++i).toUpperCase());
                case "--algorithm" -> algorithm = Algorithm.valueOf(value(args, ++i).toUpperCase());
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; " + USAGE);
            }
        }
        return new BenchOptions(warmup, iterations, cpu, dtypes, shapes, mode, algorithm, gates, peer, markdown, json);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value; " + USAGE);
        return args[i];
    }

    private static int positive(String[] args, int i) {
        int value = Integer.parseInt(value(args, i));
        if (value < 1) throw new IllegalArgumentException(args[i - 1] + " must be >= 1, got " + value);
        return value;
    }

    private static List<DType> parseDtypes(String list) {
        List<DType> dtypes = new ArrayList<>();
        for (String name : list.split(",")) dtypes.add(DType.valueOf(name.strip().toUpperCase()));
        return dtypes;
    }

    private static List<long[]> parseShapes(String list) {
        List<long[]> shapes = new ArrayList<>();
        for (String shape : list.split(";")) {
            String[] parts = shape.split(",");
            if (parts.length != 3) throw new IllegalArgumentException("a shape is B,H,L; got " + shape);
            shapes.add(new long[] {Long.parseLong(parts[0].strip()), Long.parseLong(parts[1].strip()),
                    Long.parseLong(parts[2].strip())});
        }
        return shapes;
    }
}
