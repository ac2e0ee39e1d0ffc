package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.report.browser.DevToolsBrowser;
import java.util.ArrayList;
import java.util.List;

/**
 * What a reader sees of the figures on a rendered page, measured in the browser: every text's
 * rendered box against its figure's box (a text that runs past its SVG is cut off there), legend
 * entries that overlap, and the smallest text as it appears on the screen. The dashboard's and
 * the report's browser tests run these at several widths.
 */
public final class FigureChecks {

  /**
   * [text, how far it runs past its figure (px)] for every text of every top-level figure SVG
   * whose rendered box is not inside the figure's box.
   */
  private static final String CLIPPED = """
      [...document.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg')).flatMap(svg => {
        const box = svg.getBoundingClientRect();
        if (box.width === 0) return [];
        return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).flatMap(t => {
          const r = t.getBoundingClientRect();
          const past = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
          return past > 0.5 ? [t.textContent + ' (' + past.toFixed(1) + ' px past ' + (svg.closest('[id]') || {}).id + ')'] : [];
        });
      })""";

  /** Legend entries of one legend whose rendered boxes overlap. */
  private static final String OVERLAPPING = """
      [...document.querySelectorAll('g.legend')].flatMap(g => {
        const boxes = [...g.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i][1], b = boxes[j][1];
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
            out.push(boxes[i][0] + ' / ' + boxes[j][0]);
          }
        }
        return out;
      })""";

  /** The smallest font size of any figure text as shown (CSS px): its size times its SVG's scale. */
  private static final String SMALLEST = """
      Math.min(...[...document.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg'))
        .filter(s => s.getBoundingClientRect().width > 0).flatMap(svg => {
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
            .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
        }))""";

  private FigureChecks() {}

  /** No figure text runs past its figure, and no two entries of a legend overlap. */
  public static void assertNothingClipped(DevToolsBrowser browser, String where) throws Exception {
    assertThat(strings(browser.evaluate(CLIPPED))).as("texts cut off at the edge of their figure, %s", where)
        .isEmpty();
    assertThat(strings(browser.evaluate(OVERLAPPING))).as("overlapping legend entries, %s", where).isEmpty();
  }

  /** The smallest figure text as shown, in CSS pixels. */
  public static double smallestText(DevToolsBrowser browser) throws Exception {
    return browser.evaluate(SMALLEST).asDouble();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
