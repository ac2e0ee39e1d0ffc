package io.alignstream.local;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.AlignmentMetric;
import io.alignstream.schema.ProbeResult;
import io.alignstream.schema.RegressionResult;
import io.alignstream.schema.Setting;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's terminal view: progress bars for extraction and scoring, and a table with one row
 * per setting (its noise level and conditioning, or its pooling; triplets scored, zero-shot accuracy with its Wilson 95% interval, the probed
 * accuracy and the mean R^2 of the human dimensions; a '*' marks a probe or regression computed
 * before all of the setting's inputs had arrived, '-' one not computed yet). On a terminal it
 * redraws in place; otherwise (logs, CI) it prints a short progress line now and then, and the
 * full table once at the end.
 */
final class ProgressView {

  /** A named bar: done out of total. */
  record Bar(String label, long done, long total) {}

  private static final int BAR_WIDTH = 30;

  private final PrintStream out;
  private final boolean interactive;
  private final Comparator<Setting> order;
  private int linesDrawn;
  private long lastPlainPrint;

  ProgressView(PrintStream out, boolean interactive, Comparator<Setting> order) {
    this.out = out;
    this.interactive = interactive;
    this.order = order;
  }

  void update(List<Bar> bars, MetricsFollower.Snapshot results, long expectedPerSetting) {
    if (interactive) {
      String frame = bars(bars) + table(results, expectedPerSetting);
      if (linesDrawn > 0) {
        out.print("\033[" + linesDrawn + "F\033[J"); // back to the first line of the last frame, clear below
      }
      out.print(frame);
      out.flush();
      linesDrawn = (int) frame.chars().filter(c -> c == '\n').count();
    } else if (System.currentTimeMillis() - lastPlainPrint > 5_000) {
      lastPlainPrint = System.currentTimeMillis();
      out.print(bars(bars));
      out.flush();
    }
  }

  void finish(List<Bar> bars, MetricsFollower.Snapshot results, long expectedPerSetting) {
    if (interactive && linesDrawn > 0) {
      out.print("\033[" + linesDrawn + "F\033[J");
    }
    out.print(bars(bars));
    out.print(table(results, expectedPerSetting));
    out.flush();
    linesDrawn = 0;
  }

  private static String bars(List<Bar> bars) {
    StringBuilder text = new StringBuilder();
    for (Bar bar : bars) {
      double fraction = bar.total() == 0 ? 0 : Math.min(1, (double) bar.done() / bar.total());
      int filled = (int) Math.round(fraction * BAR_WIDTH);
      text.append(String.format(Locale.ROOT, "%-28s [%s%s] %6d/%-6d %5.1f%%%n", bar.label(), "#".repeat(filled),
          ".".repeat(BAR_WIDTH - filled), bar.done(), bar.total(), 100 * fraction));
    }
    return text.toString();
  }

  String table(MetricsFollower.Snapshot results, long expectedPerSetting) {
    List<Map.Entry<String, AlignmentMetric>> rows = new ArrayList<>(results.metrics().entrySet());
    rows.sort(Map.Entry.comparingByValue(Comparator.comparing(AlignmentMetric::getSetting, order)));
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "%n%-10s %-30s %-13s %15s %9s  %-17s %8s %8s%n",
        "model", "layer", "setting", "scored", "zero-shot", "95% interval", "probed", "mean R2"));
    for (Map.Entry<String, AlignmentMetric> row : rows) {
      AlignmentMetric m = row.getValue();
      Setting s = m.getSetting();
      ProbeResult probe = results.probes().get(row.getKey());
      RegressionResult regression = results.regressions().get(row.getKey());
      text.append(String.format(Locale.ROOT, "%-10s %-30s %-13s %7d/%-7d %9.4f  [%.4f, %.4f] %8s %8s%n",
          s.getModelId(), s.getLayer(), SettingKey.describe(s),
          m.getTotal(), expectedPerSetting, m.getAccuracy(), m.getCiLow(), m.getCiHigh(),
          probe == null ? "-" : cell(probe.getMeanAccuracy(), DemoResults.isFinal(probe, m)),
          regression == null ? "-" : cell(regression.getMeanR2(), DemoResults.isFinal(regression, m))));
    }
    return text.toString();
  }

  private static String cell(double value, boolean isFinal) {
    return String.format(Locale.ROOT, "%.4f", value) + (isFinal ? " " : "*");
  }
}
