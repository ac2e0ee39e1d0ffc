package io.alignstream.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One restoration of a scorer's stores, as the scorer logs it when it ends ({@code
 * ScorerReadiness}): records restored, seconds from the first changelog partition starting to
 * the last one done, and per changelog topic its records and the seconds until its last partition
 * was done. The listener is told records, not bytes: {@link #json} turns them into the megabytes
 * fetched at each changelog's stored bytes per record.
 */
record Restoration(long records, double seconds, Map<String, Long> byChangelog, Map<String, Double> secondsByChangelog) {

  private static final Pattern LOGGED =
      Pattern.compile("restored (\\d+) records from the changelogs in ([\\d.]+) s \\[([^\\]]*)\\]");
  /** One changelog topic in the logged line: {@code topic=records@seconds}. */
  private static final Pattern CHANGELOG = Pattern.compile("(\\S+)=(\\d+)@([\\d.]+)");

  /** The restorations that restored anything, in the order a scorer's log shows them. */
  static List<Restoration> in(String log) {
    List<Restoration> all = new ArrayList<>();
    Matcher logged = LOGGED.matcher(log);
    while (logged.find()) {
      Map<String, Long> byChangelog = new TreeMap<>();
      Map<String, Double> secondsByChangelog = new TreeMap<>();
      Matcher changelog = CHANGELOG.matcher(logged.group(3));
      while (changelog.find()) {
        byChangelog.put(changelog.group(1), Long.parseLong(changelog.group(2)));
        secondsByChangelog.put(changelog.group(1), Double.parseDouble(changelog.group(3)));
      }
      Restoration restoration = new Restoration(Long.parseLong(logged.group(1)), Double.parseDouble(logged.group(2)),
          byChangelog, secondsByChangelog);
      if (restoration.records() > 0) {
        all.add(restoration);
      }
    }
    return all;
  }

  long bytes(ChangelogSizes sizes) {
    return sizes.bytesOf(byChangelog);
  }

  /**
   * Records, seconds, MB and MB/s, and per changelog (named without the {@code applicationId-}
   * prefix) its records, MB, seconds (from the restoration's start until its last partition was
   * done: the changelogs are restored side by side) and MB/s over those seconds.
   */
  Map<String, Object> json(ChangelogSizes sizes, String applicationId) {
    long bytes = bytes(sizes);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("records", records);
    json.put("s", seconds);
    json.put("mb", Thousandths.round(bytes / 1e6));
    json.put("mb_per_s", seconds == 0 ? null : Thousandths.round(bytes / 1e6 / seconds));
    json.put("records_per_s", seconds == 0 ? null : Thousandths.round(records / seconds));
    Map<String, Object> changelogs = new TreeMap<>();
    byChangelog.forEach((topic, n) -> {
      double mb = sizes.bytesOf(Map.of(topic, n)) / 1e6;
      double s = secondsByChangelog.get(topic);
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("records", n);
      one.put("mb", Thousandths.round(mb));
      one.put("s", s);
      one.put("mb_per_s", s == 0 ? null : Thousandths.round(mb / s));
      changelogs.put(topic.substring(applicationId.length() + 1), one);
    });
    json.put("changelogs", changelogs);
    return json;
  }

}
