package io.alignstream.scorer.jobs;

import io.alignstream.scorer.state.AnalysisInputs;
import io.alignstream.scorer.state.SettingState;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * When one kind of analysis (probe or regression) of a task's settings is due. A setting is
 * looked at again only after its inputs changed ({@link SettingState#inputVersion()}). It is due
 * when the share of referenced objects embedded in it has reached the threshold, its inputs
 * differ (by digest) from the last job's, and
 * <ul>
 *   <li>its inputs have been quiet for the configured time (the usual end of a stream: the
 *       result over everything that arrived), or
 *   <li>without a job yet, its coverage is partial (a threshold below 1 asks for partial
 *       results: the first comes as soon as the threshold is reached), or
 *   <li>since the last job, its coverage has grown by the step, or its triplets by the step's
 *       fraction (partial results as data keep coming; a bounded number, since each needs the
 *       inputs to have grown by a factor).
 * </ul>
 * At full coverage without a job yet only quiet inputs qualify, so triplets streaming in after
 * the embeddings do not start a job on their first few.
 * "Last job" is the last one submitted in this run or, after a restart, the last one published:
 * so a job lost in a crash is submitted again, and one already published is not.
 */
public final class AnalysisSchedule {

  /** What a job was computed from: its inputs' digest, coverage and triplets. */
  public record Done(String digest, int objects, int itemsReferenced, long triplets) {
    double coverage() {
      return itemsReferenced == 0 ? 0 : (double) objects / itemsReferenced;
    }
  }

  private final String kind;
  private final AnalysisConfig config;
  private final Function<String, Done> published;
  private final Map<String, Long> checkedVersion = new HashMap<>();
  private final Map<String, Done> submitted = new HashMap<>();

  /** @param published the last published result of a setting, or null */
  public AnalysisSchedule(String kind, AnalysisConfig config, Function<String, Done> published) {
    this.kind = kind;
    this.config = config;
    this.published = published;
  }

  /** Whether the setting changed since it was last looked at (cheap: no counting). */
  public boolean changed(SettingState setting) {
    Long checked = checkedVersion.get(setting.key());
    return checked == null || checked != setting.inputVersion();
  }

  /**
   * Whether the rule above calls for a job, given the setting's embedded referenced objects,
   * the referenced objects and the wall-clock time now; marks the setting looked at when its
   * coverage rules a job out. A setting not quiet yet stays unmarked: a later tick looks again.
   */
  public boolean due(SettingState setting, int objects, int referenced, long now) {
    double coverage = referenced == 0 ? 0 : (double) objects / referenced;
    if (setting.total() == 0 || coverage < config.coverageThreshold()) {
      checked(setting);
      return false;
    }
    if (now - setting.inputChangedAt() >= config.quiet().toMillis()) {
      return true;
    }
    Done last = last(setting.key());
    if (last == null) {
      return objects < referenced;
    }
    return coverage - last.coverage() >= config.coverageStep()
        || setting.total() >= last.triplets() * (1 + config.coverageStep());
  }
  /**
   * Queues {@code work} unless the last job had the same inputs. When the queue is full the
   * setting stays unchecked, so the next tick offers it again.
   */
  public void offer(SettingState setting, AnalysisInputs inputs, String digest, AnalysisJobs jobs, Runnable work) {
    Done last = last(setting.key());
    if (last != null && digest.equals(last.digest())) {
      checked(setting);
      return;
    }
    if (jobs.offer(new AnalysisJobs.Job(kind + "|" + setting.key(), work))) {
      submitted.put(setting.key(), new Done(digest, inputs.objects(), inputs.itemsReferenced(), inputs.triplets().length));
      checked(setting);
    }
  }

  private Done last(String key) {
    Done done = submitted.get(key);
    return done != null ? done : published.apply(key);
  }

  private void checked(SettingState setting) {
    checkedVersion.put(setting.key(), setting.inputVersion());
  }
}
