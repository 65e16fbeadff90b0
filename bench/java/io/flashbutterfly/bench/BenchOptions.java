package io.flashbutterfly.bench;

/**
 * Command-line options of the table runner.
 *
 * @param warmup     untimed runs before timing
 * @param iterations timed runs; the median is reported
 * @param forceCpu   run the CPU backend even where a GPU is present
 */
record BenchOptions(int warmup, int iterations, boolean forceCpu) {
    static BenchOptions parse(String[] args) {
        int warmup = 5;
        int iterations = 20;
        boolean cpu = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--warmup" -> warmup = positive(args, ++i);
                case "--iterations" -> iterations = positive(args, ++i);
                case "--cpu" -> cpu = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --warmup N, --iterations N, --cpu or --jmh ARGS");
            }
        }
        return new BenchOptions(warmup, iterations, cpu);
    }

    private static int positive(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a number");
        int value = Integer.parseInt(args[i]);
        if (value < 1) throw new IllegalArgumentException(args[i - 1] + " must be >= 1, got " + value);
        return value;
    }
}
