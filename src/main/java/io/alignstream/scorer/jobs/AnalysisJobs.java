package io.alignstream.scorer.jobs;

import io.alignstream.common.ErrorText;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's probe and regression jobs: a fixed number of worker threads, never the stream
 * threads, and a bounded queue with one slot per (kind, setting). A newer job for a setting
 * replaces its queued one (its inputs are newer; the old result would be stale before it was
 * published); a setting's jobs never run two at a time, so its results come back in order.
 * When the queue is full, {@link #offer} says no and the scoring task tries again at its next
 * tick: the stream thread never waits here.
 */
public final class AnalysisJobs implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AnalysisJobs.class);

  /** A unit of work for one setting; {@code slot} is kind + setting. */
  record Job(String slot, Runnable work) {}

  private final int queueLimit;
  private final Map<String, Job> queued = new LinkedHashMap<>();
  private final Set<String> running = new HashSet<>();
  private final List<Thread> workers = new ArrayList<>();
  /** Slot -> why its last job failed (an engine refusing its inputs, e.g. too few triplets per fold). */
  private final Map<String, String> failures = new LinkedHashMap<>();
  private boolean closed;

  public AnalysisJobs(AnalysisConfig config) {
    this.queueLimit = config.queueLimit();
    for (int i = 0; i < config.threads(); i++) {
      Thread worker = new Thread(this::work, "alignstream-analysis-" + i);
      worker.setDaemon(true);
      // Below the stream threads: scoring keeps its pace while a probe trains.
      worker.setPriority(Thread.NORM_PRIORITY - 1);
      workers.add(worker);
      worker.start();
    }
  }

  /** Queues {@code job}, replacing a queued job of the same slot; false when the queue is full. */
  synchronized boolean offer(Job job) {
    if (closed) {
      return false;
    }
    if (!queued.containsKey(job.slot()) && queued.size() >= queueLimit) {
      return false;
    }
    queued.put(job.slot(), job);
    notifyAll();
    return true;
  }

  /** Whether {@link #close} was called: running jobs stop at their next check. */
  public synchronized boolean closed() {
    return closed;
  }

  /** Jobs queued and running right now. */
  public synchronized int pending() {
    return queued.size() + running.size();
  }

  /** Why the last job of each slot ("probe|setting", "regression|setting") failed, for slots whose last job did. */
  public synchronized Map<String, String> failures() {
    return Map.copyOf(failures);
  }

  private void work() {
    while (true) {
      Job job;
      synchronized (this) {
        job = next();
        while (job == null && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
          job = next();
        }
        if (job == null) {
          return;
        }
        running.add(job.slot());
      }
      try {
        job.work().run();
        synchronized (this) {
          failures.remove(job.slot());
        }
      } catch (CancellationException e) {
        LOG.debug("analysis job {} cancelled", job.slot());
      } catch (RuntimeException e) {
        LOG.error("analysis job {} failed", job.slot(), e);
        synchronized (this) {
          failures.put(job.slot(), ErrorText.describe(e));
        }
      } finally {
        synchronized (this) {
          running.remove(job.slot());
          notifyAll();
        }
      }
    }
  }

  /** The oldest queued job whose slot is not running, removed from the queue; null if none. */
  private Job next() {
    for (Iterator<Job> it = queued.values().iterator(); it.hasNext(); ) {
      Job job = it.next();
      if (!running.contains(job.slot())) {
        it.remove();
        return job;
      }
    }
    return null;
  }

  /** Drops queued jobs and lets the workers finish what they run (they are daemons; results then go nowhere). */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      queued.clear();
      notifyAll();
    }
    for (Thread worker : workers) {
      worker.interrupt();
    }
  }
}
