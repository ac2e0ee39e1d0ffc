package io.alignstream.extractor;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The extractor's console progress line, so that a stalled instance (nothing waiting) reads
 * differently from a hung one (requests waiting, no images):
 * {@code extractor a [tiny]: 480 images (+48, 4.8/s), 2 dead letters, 96 requests waiting}.
 */
final class ProgressLine implements AutoCloseable {

  private final ScheduledExecutorService timer;

  private ProgressLine(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /** Prints every {@code interval} until closed; a zero interval prints nothing. */
  static ProgressLine start(ExtractorService service, Duration interval) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "extractor-progress");
      thread.setDaemon(true);
      return thread;
    });
    if (!interval.isZero()) {
      long[] last = {0};
      timer.scheduleAtFixedRate(() -> {
        long images = service.imagesExtracted();
        System.out.println(line(service, images, images - last[0], interval));
        last[0] = images;
      }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return new ProgressLine(timer);
  }

  static String line(ExtractorService service, long images, long added, Duration interval) {
    return String.format(Locale.ROOT, "extractor %s [%s]: %d images (+%d, %.1f/s), %d dead letters, %d requests waiting",
        service.instanceId(), service.modelInfo().modelId(), images, added, added * 1000.0 / interval.toMillis(),
        service.deadLetters(), service.queueDepth());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
