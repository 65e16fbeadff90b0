package io.flashbutterfly.bench;

import io.flashbutterfly.tensor.DType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a peer script (bench/peer/torch_longconv.py) on the same machine and shapes, and reads its
 * result lines: {@code RESULT implementation B H L dtype median_ms extra_bytes}. Other lines
 * (what the peer could not import, say) pass to the log.
 */
final class PeerResults {
    private static final Logger LOG = LogManager.getLogger(PeerResults.class);

    private PeerResults() {}

    /** The peers' measurements (floor left NaN: the caller knows it). */
    static List<Measurement> run(Path script, DType dtype, List<long[]> shapes, BenchOptions options) {
        StringJoiner shapeList = new StringJoiner(";");
        for (long[] s : shapes) shapeList.add(s[0] + "," + s[1] + "," + s[2]);
        List<String> command = new ArrayList<>(List.of("python3", script.toString(), "--dtype", dtype.toString(),
                "--shapes", shapeList.toString(), "--warmup", String.valueOf(options.warmup()),
                "--iterations", String.valueOf(options.iterations())));
        if (options.gates()) command.add("--gates");
        List<Measurement> results = new ArrayList<>();
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length == 8 && f[0].equals("RESULT")) {
                        results.add(new Measurement(f[1], f[5], Long.parseLong(f[2]), Long.parseLong(f[3]),
                                Long.parseLong(f[4]), Double.parseDouble(f[6]), Double.NaN, Long.parseLong(f[7])));
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
