package io.flashbutterfly.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the training run's figure draws, as the run writes it to FILE.json and
 * {@code --plot-training FILE.json} reads it back (on any runtime: no java.desktop here, so a GPU
 * host's slim runtime writes it and another machine draws it):
 *
 * <pre>
 * {"settings": "Training: model 1 -&gt; H=8 -&gt; 1 ...",      the run's settings line (FILE.md's first)
 *  "length": L,
 *  "curve_columns": ["step", "batch_loss", "held_out_loss"],
 *  "hidden": [L values],                                the hidden impulse response
 *  "variants": [{"name": "none", "held_out_loss": x, "total_variation": x,
 *                "curve": [[step, batch loss, held-out loss], ...],
 *                "response": [L values]}, ...]}         the trained model's impulse response
 * </pre>
 *
 * Numbers are written exactly (the shortest decimal that reads back as the same double), a loss
 * that is not finite as null.
 *
 * @param settings the run's settings line (model, sizes, steps, noise, seed, device)
 * @param hidden   the hidden impulse response, L values
 * @param results  each regularisation variant's outcome, in the run's order
 */
record TrainingFigure(String settings, double[] hidden, List<TrainingRun.Result> results) {
    private static final List<String> CURVE_COLUMNS = List.of("step", "batch_loss", "held_out_loss");

    /**
     * Whether this runtime can draw the figure ({@link TrainingPlot}): it needs the java.desktop
     * module (Java2D, ImageIO), which a slim jlinked runtime may lack.
     */
    static boolean drawable() {
        return ModuleLayer.boot().findModule("java.desktop").isPresent();
    }

    /** L, the number of points of each response. */
    int length() { return hidden.length; }

    /** Writes this figure's JSON to file. */
    void write(Path file) throws IOException {
        StringBuilder out = new StringBuilder("{\n  \"settings\": ").append(Json.quote(settings))
                .append(",\n  \"length\": ").append(hidden.length)
                .append(",\n  \"curve_columns\": [\"step\", \"batch_loss\", \"held_out_loss\"]")
                .append(",\n  \"hidden\": ").append(Json.array(hidden))
                .append(",\n  \"variants\": [");
        for (int i = 0; i < results.size(); i++) {
            TrainingRun.Result r = results.get(i);
            out.append(i == 0 ? "\n    " : ",\n    ")
                    .append("{\"name\": ").append(Json.quote(r.name()))
                    .append(", \"held_out_loss\": ").append(Json.number(r.heldOutLoss()))
                    .append(", \"total_variation\": ").append(Json.number(r.totalVariation()))
                    .append(",\n     \"curve\": [");
            for (int j = 0; j < r.curve().size(); j++) {
                out.append(j == 0 ? "" : ", ").append(Json.array(r.curve().get(j)));
            }
            out.append("],\n     \"response\": ").append(Json.array(r.response())).append('}');
        }
        Files.writeString(file, out.append("\n  ]\n}\n"));
    }

    /** The figure a {@link #write} wrote to file; IllegalArgumentException naming what is missing or wrong. */
    static TrainingFigure read(Path file) throws IOException {
        String where = file.toString();
        Map<String, Object> root = Json.object(Json.parse(Files.readString(file)), where);
        Object columns = root.get("curve_columns");
        if (columns != null && !CURVE_COLUMNS.equals(columns)) {
            throw new IllegalArgumentException(where + ": curve_columns must be " + CURVE_COLUMNS + ", got " + columns);
        }
        double[] hidden = Json.toDoubles(require(root, "hidden", where), where + ": hidden");
        List<TrainingRun.Result> results = new ArrayList<>();
        for (Object item : Json.list(require(root, "variants", where), where + ": variants")) {
            Map<String, Object> v = Json.object(item, where + ": a variant");
            String name = Json.toText(require(v, "name", where), where + ": name");
            String what = where + ": variant " + name;
            List<double[]> curve = new ArrayList<>();
            for (Object point : Json.list(require(v, "curve", what), what + ": curve")) {
                double[] p = Json.toDoubles(point, what + ": curve point");
                if (p.length != CURVE_COLUMNS.size()) {
                    throw new IllegalArgumentException(what + ": a curve point must be " + CURVE_COLUMNS + ", got "
                            + p.length + " values");
                }
                curve.add(p);
            }
            double[] response = Json.toDoubles(require(v, "response", what), what + ": response");
            if (response.length != hidden.length) {
                throw new IllegalArgumentException(what + ": response has " + response.length
                        + " values, hidden " + hidden.length);
            }
            results.add(new TrainingRun.Result(name, Json.toDouble(v.get("held_out_loss"), what + ": held_out_loss"),
                    Json.toDouble(v.get("total_variation"), what + ": total_variation"), curve, response));
        }
        String settings = Json.toText(root.get("settings"), where + ": settings");
        return new TrainingFigure(settings == null ? "" : settings, hidden, results);
    }

    private static Object require(Map<String, Object> object, String key, String where) {
        Object value = object.get(key);
        if (value == null) throw new IllegalArgumentException(where + ": \"" + key + "\" missing");
        return value;
    }
}
