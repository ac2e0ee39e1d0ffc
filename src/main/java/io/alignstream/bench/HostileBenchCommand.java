package io.alignstream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.ResidentMemory;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.extractor.ExtractorOptions;
import io.alignstream.extractor.ExtractorService;
import io.alignstream.extractor.FeatureModel;
import io.alignstream.extractor.FeatureModels;
import io.alignstream.extractor.ModelOptions;
import io.alignstream.local.LocalCluster;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench hostile}: the extractor under a long stream with bad records mixed in. An
 * embedded cluster gets {@code --records} requests of which {@code --bad-fraction} are hostile
 * (cycling through PNG and JPEG decompression bombs, truncated and non-image files, invalid
 * settings, bytes that are not Avro, truncated Avro, tombstones); one extractor consumes them
 * all. Every {@code --sample-every} records it prints the process's RSS and heap, so a leak
 * per bad record shows as a slope. The broker runs in the same JVM: its share of the RSS is in
 * the figures too.
 */
@Command(name = "hostile", mixinStandardHelpOptions = true,
    description = "Extractor memory and throughput over a long stream with hostile records mixed in; one JSON "
        + "line per sample and a summary line.")
public final class HostileBenchCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The kinds of bad record, in the order they are mixed in. */
  static final List<String> BAD_KINDS = List.of("png-bomb", "jpeg-bomb", "truncated-png", "html", "bad-noise",
      "not-avro", "truncated-avro", "tombstone");

  @Option(names = "--records", defaultValue = "20000", paramLabel = "N",
      description = "Requests in the stream (default: ${DEFAULT-VALUE}).")
  int records;

  @Option(names = "--bad-fraction", defaultValue = "0.05", paramLabel = "F",
      description = "Share of hostile records (default: ${DEFAULT-VALUE}).")
  double badFraction;

  @Option(names = "--sample-every", defaultValue = "2000", paramLabel = "N",
      description = "Records between memory samples (default: ${DEFAULT-VALUE}).")
  int sampleEvery;

  @Option(names = "--model", defaultValue = "pixels", paramLabel = "pixels|tiny",
      description = "The extractor's model (default: ${DEFAULT-VALUE}); tiny is the small Stable Diffusion at 64 px.")
  String model;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the good images and the mix (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    if (records < 1 || sampleEvery < 1 || !(badFraction >= 0 && badFraction < 1)) {
      throw new IllegalArgumentException("--records and --sample-every must be >= 1 and --bad-fraction in [0, 1)");
    }
    PrintStream out = System.out;
    try (LocalCluster cluster = LocalCluster.start(LocalCluster.Settings.defaults().withPartitions(2))) {
      ClusterConfig config = cluster.clusterConfig();
      int bad = publish(config);
      System.err.printf("published %d requests, %d of them hostile; extracting with %s%n", records, bad, model);
      try (FeatureModel featureModel = FeatureModels.open(model, null, ModelOptions.defaults());
          ExtractorService service = new ExtractorService(config, featureModel, ExtractorOptions.defaults("bench"))) {
        long start = System.nanoTime();
        service.start();
        long firstRss = 0;
        long maxRss = 0;
        long lastRss = 0;
        long next = 0;
        long done = 0;
        while (done < records) {
          done = service.imagesExtracted() + service.deadLetters();
          if (service.failure().isPresent()) {
            throw new IllegalStateException("the extractor stopped: " + service.failure().get());
          }
          if (done >= next || done >= records) {
            System.gc(); // heap figures after a collection, so that garbage does not look like a leak
            long rss = ResidentMemory.mebibytes();
            firstRss = firstRss == 0 ? rss : firstRss;
            maxRss = Math.max(maxRss, rss);
            lastRss = rss;
            ObjectNode sample = JSON.createObjectNode();
            sample.put("case", "hostile-" + model);
            sample.put("records", done);
            sample.put("extracted", service.imagesExtracted());
            sample.put("dead_letters", service.deadLetters());
            sample.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
            sample.put("rss_mb", rss);
            sample.put("heap_used_mb", heapUsedMb());
            out.println(sample);
            out.flush();
            next = (done / sampleEvery + 1) * sampleEvery;
          }
          Thread.sleep(50);
        }
        ObjectNode summary = JSON.createObjectNode();
        summary.put("case", "hostile-" + model + "-summary");
        summary.put("records", records);
        summary.put("hostile", bad);
        summary.put("dead_letters", service.deadLetters());
        summary.put("extracted", service.imagesExtracted());
        summary.put("records_per_s", Math.round(records / ((System.nanoTime() - start) / 1e9) * 10) / 10.0);
        summary.put("rss_first_mb", firstRss);
        summary.put("rss_last_mb", lastRss);
        summary.put("rss_max_mb", maxRss);
        summary.put("extractor_failed", service.failure().isPresent());
        out.println(summary);
        out.flush();
      }
    }
    return 0;
  }

  /** Publishes the stream; returns how many records are hostile. */
  private int publish(ClusterConfig config) {
    SplittableRandom rng = new SplittableRandom(seed);
    AvroSerde<ExtractionRequest> serde = AvroSerde.configured(ExtractionRequest.class, config.serdeProperties(), false);
    String topic = config.topics().requests();
    byte[] pngBomb = HostileInputs.pngBomb(30_000);
    byte[] jpegBomb = HostileInputs.jpegDeclaring(65_000, 65_000);
    byte[] truncatedPng = HostileInputs.truncated(HostileInputs.solid(64, 0x808080, "png"), 0.5);
    var props = config.producerProperties("bench-hostile");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, io.alignstream.common.PipelineTopics.MAX_REQUEST_BYTES);
    int bad = 0;
    try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < records; i++) {
        String key = "r" + i;
        byte[] value;
        if (rng.nextDouble() < badFraction) {
          String kind = BAD_KINDS.get(bad % BAD_KINDS.size());
          bad++;
          value = switch (kind) {
            case "png-bomb" -> serde.serialize(topic, request(key, pngBomb, 0.0));
            case "jpeg-bomb" -> serde.serialize(topic, request(key, jpegBomb, 0.0));
            case "truncated-png" -> serde.serialize(topic, request(key, truncatedPng, 0.0));
            case "html" -> serde.serialize(topic, request(key, HostileInputs.htmlPage(), 0.0));
            case "bad-noise" -> serde.serialize(topic, request(key, HostileInputs.solid(16, 0, "png"), 2.0));
            case "not-avro" -> ("garbage " + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            case "truncated-avro" -> {
              byte[] whole = serde.serialize(topic, request(key, HostileInputs.solid(16, 0, "png"), 0.0));
              yield Arrays.copyOf(whole, whole.length / 2);
            }
            default -> null; // tombstone
          };
        } else {
          value = serde.serialize(topic, request(key, HostileInputs.solid(64, rng.nextInt(1 << 24), "png"), 0.0));
        }
        producer.send(new ProducerRecord<>(topic, key, value));
      }
    }
    return bad;
  }

  private static ExtractionRequest request(String key, byte[] image, double noise) {
    return ExtractionRequest.newBuilder()
        .setRequestId(key).setDataset("bench").setItemId(key).setImageId(key).setConcept("thing")
        .setImage(ByteBuffer.wrap(image)).setImageSha256("-").setNoiseLevels(List.of(noise))
        .setConditionings(List.of(Conditioning.NONE)).setSeed(0).setResolution(64).setLatent(LatentMode.MEAN)
        .setSettingsDigest("bench").setCreatedAt(Instant.now())
        .build();
  }

  private static long heapUsedMb() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }
}
