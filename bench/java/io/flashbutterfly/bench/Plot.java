package io.flashbutterfly.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A log-log PNG of median time against L, one line per implementation and dtype (Java2D, no library). */
final class Plot {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 600;
    private static final int MARGIN = 70;
    private static final int LEGEND = 230; // right of the plot area
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private Plot() {}

    static void write(Path png, String title, List<Measurement> results) throws IOException {
        Map<String, List<Measurement>> series = new LinkedHashMap<>();
        for (Measurement m : results) {
            if (Double.isFinite(m.millis()) && m.millis() > 0) {
                series.computeIfAbsent(m.implementation() + " " + m.dtype(), k -> new ArrayList<>()).add(m);
            }
        }
        double minL = Double.MAX_VALUE, maxL = 0, minMs = Double.MAX_VALUE, maxMs = 0;
        for (Measurement m : results) {
            if (!Double.isFinite(m.millis()) || m.millis() <= 0) continue;
            minL = Math.min(minL, m.length());
            maxL = Math.max(maxL, m.length());
            minMs = Math.min(minMs, m.millis());
            maxMs = Math.max(maxMs, m.millis());
        }
        double x0 = Math.floor(Math.log10(minL)), x1 = Math.ceil(Math.log10(Math.max(maxL, minL * 10)));
        double y0 = Math.floor(Math.log10(minMs)), y1 = Math.ceil(Math.log10(Math.max(maxMs, minMs * 10)));
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(title, MARGIN, 30);
        g.drawRect(MARGIN, MARGIN, WIDTH - MARGIN - LEGEND, HEIGHT - 2 * MARGIN);
        for (double e = x0; e <= x1; e++) {
            int x = xOf(Math.pow(10, e), x0, x1);
            g.drawLine(x, HEIGHT - MARGIN, x, HEIGHT - MARGIN + 5);
            g.drawString("1e" + (int) e, x - 12, HEIGHT - MARGIN + 20);
        }
        for (double e = y0; e <= y1; e++) {
            int y = yOf(Math.pow(10, e), y0, y1);
            g.drawLine(MARGIN - 5, y, MARGIN, y);
            g.drawString("1e" + (int) e, MARGIN - 45, y + 4);
        }
        g.drawString("L (log)", (WIDTH - LEGEND) / 2, HEIGHT - 25);
        g.drawString("ms (log)", 10, MARGIN - 10);
        List<String> dtypes = results.stream().map(Measurement::dtype).distinct().toList();
        List<String> implementations = results.stream().map(Measurement::implementation).distinct().toList();
        int index = 0;
        for (Map.Entry<String, List<Measurement>> s : series.entrySet()) {
            // Colour by implementation, dash pattern by dtype.
            Measurement first = s.getValue().get(0);
            g.setColor(COLORS[implementations.indexOf(first.implementation()) % COLORS.length]);
            int dash = dtypes.indexOf(first.dtype());
            g.setStroke(dash == 0 ? new BasicStroke(2f)
                    : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f * dash, 4f}, 0f));
            List<Measurement> points = new ArrayList<>(s.getValue());
            points.sort((a, b) -> Long.compare(a.length(), b.length()));
            for (int i = 0; i < points.size(); i++) {
                int x = xOf(points.get(i).length(), x0, x1);
                int y = yOf(points.get(i).millis(), y0, y1);
                g.fillOval(x - 3, y - 3, 7, 7);
                if (i > 0) g.drawLine(xOf(points.get(i - 1).length(), x0, x1), yOf(points.get(i - 1).millis(), y0, y1), x, y);
            }
            int legendY = MARGIN + 10 + 18 * index;
            g.drawLine(WIDTH - LEGEND + 20, legendY - 4, WIDTH - LEGEND + 50, legendY - 4);
            g.drawString(s.getKey(), WIDTH - LEGEND + 58, legendY);
            index++;
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static int xOf(double l, double x0, double x1) {
        return MARGIN + (int) ((Math.log10(l) - x0) / (x1 - x0) * (WIDTH - MARGIN - LEGEND));
    }

    private static int yOf(double ms, double y0, double y1) {
        return HEIGHT - MARGIN - (int) ((Math.log10(ms) - y0) / (y1 - y0) * (HEIGHT - 2 * MARGIN));
    }
}
