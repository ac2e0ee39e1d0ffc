package io.alignstream.scorer.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The job threads: a newer job of a slot replaces its queued one, a full queue says no, a slot never runs twice at once. */
public class AnalysisJobsTest {

  @Test
  void aNewerJobReplacesTheQueuedOneAndAFullQueueRefuses() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AnalysisConfig config = new AnalysisConfig(AnalysisConfig.defaults().probe(), AnalysisConfig.defaults().regression(),
        null, 1, 0.1, java.time.Duration.ZERO, 1, 2);
    try (AnalysisJobs jobs = new AnalysisJobs(config)) {
      assertThat(jobs.offer(new AnalysisJobs.Job("probe|a", () -> {
        started.countDown();
        await(release);
        ran.add("a1");
      }))).isTrue();
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(jobs.offer(new AnalysisJobs.Job("probe|a", () -> ran.add("a2")))).isTrue();
      assertThat(jobs.offer(new AnalysisJobs.Job("probe|a", () -> ran.add("a3")))).isTrue(); // replaces a2
      assertThat(jobs.offer(new AnalysisJobs.Job("probe|b", () -> ran.add("b1")))).isTrue();
      assertThat(jobs.offer(new AnalysisJobs.Job("probe|c", () -> ran.add("c1")))).isFalse(); // 2 queued: full
      assertThat(jobs.pending()).isEqualTo(3);
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (jobs.pending() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(ran).containsExactly("a1", "a3", "b1");
    }
  }

  @Test
  void aFailedJobIsReportedUntilItsSlotSucceeds() throws Exception {
    try (AnalysisJobs jobs = new AnalysisJobs(AnalysisConfig.defaults())) {
      jobs.offer(new AnalysisJobs.Job("probe|a", () -> {
        throw new IllegalArgumentException("probe: too few triplets");
      }));
      waitIdle(jobs);
      assertThat(jobs.failures()).containsEntry("probe|a", "probe: too few triplets");
      jobs.offer(new AnalysisJobs.Job("probe|a", () -> { }));
      waitIdle(jobs);
      assertThat(jobs.failures()).isEmpty();
    }
  }

  public static void waitIdle(AnalysisJobs jobs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (jobs.pending() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(jobs.pending()).as("analysis jobs still pending").isZero();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
