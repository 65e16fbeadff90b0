package io.flashbutterfly.bench;

import io.flashbutterfly.tensor.DType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a peer script (bench/peer/torch_longconv.py) on the same machine and shapes, and reads its
 * result lines: {@code RESULT B H L dtype median_ms extra_bytes}. Other lines pass to the log.
 */
final class PeerResults {
    private static final Logger LOG = LogManager.getLogger(PeerResults.class);

    /** One shape's peer figures. */
    record Result(double millis, long extraBytes) {}

    private PeerResults() {}

    static String key(long[] shape) {
        return shape[0] + "x" + shape[1] + "x" + shape[2];
    }

    static Map<String, Result> run(Path script, DType dtype, List<long[]> shapes, BenchOptions options) {
        StringJoiner shapeList = new StringJoiner(";");
        for (long[] s : shapes) shapeList.add(s[0] + "," + s[1] + "," + s[2]);
        List<String> command = new ArrayList<>(List.of("python3", script.toString(), "--dtype", dtype.toString(),
                "--shapes", shapeList.toString(), "--warmup", String.valueOf(options.warmup()),
                "--iterations", String.valueOf(options.iterations())));
        Map<String, Result> results = new HashMap<>();
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length == 7 && f[0].equals("RESULT")) {
                        results.put(f[1] + "x" + f[2] + "x" + f[3], new Result(Double.parseDouble(f[5]), Long.parseLong(f[6])));
                    } else {
                        LOG.info("peer: {}", line);
                    }
                }
            }
            int exit = process.waitFor();
            if (exit != 0) LOG.warn("peer script {} exited with {}", script, exit);
        } catch (IOException e) {
            LOG.warn("cannot run the peer script {}: {}", script, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return results;
    }
}
