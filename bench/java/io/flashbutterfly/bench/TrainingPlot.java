package io.flashbutterfly.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The training run's figure (Java2D, no library): left, each trained model's impulse response and
 * the hidden response against t (drawn last); right, each run's held-out loss against the step (log
 * scale); the run's settings line below. Drawn from the run's JSON ({@link TrainingFigure}) only,
 * by {@code --train} where the runtime has java.desktop and by {@code --plot-training FILE.json}.
 */
final class TrainingPlot {
    private static final int PANEL = 560;
    private static final int HEIGHT = 480;
    private static final int MARGIN = 60;
    private static final Color[] COLORS = {new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd)};

    private TrainingPlot() {}

    /**
     * Draws the figure of a training run's JSON (FILE.json, as {@link TrainingFigure#write} wrote
     * it) to FILE.png beside it, and returns that path: the one drawing path, for {@code --train}
     * and {@code --plot-training} alike. Only where {@link TrainingFigure#drawable()}: this class
     * does not load without java.desktop.
     */
    static Path plot(Path json) throws IOException {
        String name = json.getFileName().toString();
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
        Path png = json.resolveSibling(stem + ".png");
        write(png, TrainingFigure.read(json));
        return png;
    }

    private static void write(Path png, TrainingFigure figure) throws IOException {
        List<TrainingRun.Result> results = figure.results();
        double[] hidden = figure.hidden();
        int length = figure.length();
        BufferedImage image = new BufferedImage(2 * PANEL, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 2 * PANEL, HEIGHT);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double kMax = 0;
        for (int t = 0; t < length; t++) kMax = Math.max(kMax, Math.abs(hidden[t]));
        for (TrainingRun.Result r : results) for (int t = 0; t < length; t++) kMax = Math.max(kMax, Math.abs(r.response()[t]));
        frame(g, 0, "impulse response of each trained model against t (black: hidden)");
        for (int i = 0; i < results.size(); i++) {
            double[] k = results.get(i).response();
            g.setColor(COLORS[i % COLORS.length]);
            polyline(g, 0, length, t -> t, t -> k[t], 0, length - 1, -kMax, kMax, false);
        }
        g.setColor(Color.BLACK);
        polyline(g, 0, length, i -> i, i -> hidden[i], 0, length - 1, -kMax, kMax, false);
        double lossMin = Double.MAX_VALUE, lossMax = 0, lastStep = 1;
        for (TrainingRun.Result r : results) {
            for (double[] p : r.curve()) {
                lossMin = Math.min(lossMin, p[2]);
                lossMax = Math.max(lossMax, p[2]);
                lastStep = Math.max(lastStep, p[0]);
            }
        }
        frame(g, PANEL, "held-out loss against step (log)");
        for (int i = 0; i < results.size(); i++) {
            List<double[]> curve = results.get(i).curve();
            g.setColor(COLORS[i % COLORS.length]);
            polyline(g, PANEL, curve.size(), j -> curve.get(j)[0], j -> curve.get(j)[2], 0, lastStep,
                    Math.log10(lossMin), Math.log10(lossMax), true);
            g.drawString(results.get(i).name(), PANEL + MARGIN + 10, MARGIN + 20 + 16 * i);
        }
        g.setColor(Color.DARK_GRAY);
        List<String> lines = wrap(g, figure.settings(), 2 * PANEL - 2 * MARGIN);
        for (int i = 0; i < lines.size(); i++) {
            g.drawString(lines.get(i), MARGIN, HEIGHT - MARGIN + 25 + 15 * i);
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    /** text in lines of at most width pixels in g's font, broken at spaces (two lines fit below the panels). */
    private static List<String> wrap(Graphics2D g, String text, int width) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && g.getFontMetrics().stringWidth(line + " " + word) > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) line.append(' ');
            line.append(word);
        }
        if (!line.isEmpty()) lines.add(line.toString());
        return lines;
    }

    private static void frame(Graphics2D g, int left, String title) {
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawString(title, left + MARGIN, MARGIN - 15);
        g.drawRect(left + MARGIN, MARGIN, PANEL - 2 * MARGIN, HEIGHT - 2 * MARGIN);
    }

    /** Points (x(i), y(i)) for i < count in the panel at left; y on a log scale where log is set. */
    private static void polyline(Graphics2D g, int left, int count, java.util.function.IntToDoubleFunction x,
                                 java.util.function.IntToDoubleFunction y, double x0, double x1, double y0, double y1,
                                 boolean log) {
        g.setStroke(new BasicStroke(1.5f));
        int width = PANEL - 2 * MARGIN, height = HEIGHT - 2 * MARGIN;
        int px = 0, py = 0;
        for (int i = 0; i < count; i++) {
            double value = log ? Math.log10(Math.max(y.applyAsDouble(i), 1e-300)) : y.applyAsDouble(i);
            int cx = left + MARGIN + (int) ((x.applyAsDouble(i) - x0) / Math.max(x1 - x0, 1e-300) * width);
            int cy = HEIGHT - MARGIN - (int) ((value - y0) / Math.max(y1 - y0, 1e-300) * height);
            if (i > 0) g.drawLine(px, py, cx, cy);
            px = cx;
            py = cy;
        }
    }
}
