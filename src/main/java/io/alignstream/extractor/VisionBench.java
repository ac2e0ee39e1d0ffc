package io.alignstream.extractor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.alignstream.bench.NativeThreads;
import io.alignstream.common.ClusterConfig;
import io.alignstream.common.OpenMpWaitPolicy;
import io.alignstream.common.ResidentMemory;
import io.alignstream.common.serde.AvroSerde;
import io.alignstream.extractor.vision.VisionFeatureModel;
import io.alignstream.extractor.vision.VisionModelSource;
import io.alignstream.local.LocalCluster;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.ExtractionRequest;
import io.alignstream.schema.LatentMode;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code bench extractor --model <vision model>}: the TorchScript / ONNX extractor's cases (one
 * JSON line each, through the bench's emitters).
 *
 * <ul>
 *   <li>{@code vision-<model>-<format>-b<batch>} at batch 1, 16 and 64: the model alone, a
 *       preprocessed batch through the network to every exported layer pooled as by default
 *       ({@link VisionFeatureModel#extractPreprocessed}); images/s. A folder holding both
 *       {@code layers.onnx} and {@code layers.pt} gives both formats. With {@code --compare}
 *       each round alternates with the peer, PyTorch eager with forward hooks on the same
 *       network ({@code bench/peer_vision.py}, case {@code vision-<model>-b<batch>}), and a
 *       "compare" line gives the best-of ratio per format.
 *   <li>{@code vision-<model>-<format>-service-b16}: the real extract path on an embedded broker
 *       and registry: PNG requests in Avro, decoded, preprocessed, extracted in batches of 16,
 *       embeddings out in Avro, each poll ({@code --images-per-transaction}, default 16) one
 *       Kafka transaction. Prints the loop's time (the service's busy timer: wall time with a
 *       poll in the loop, its stages overlapping), the time in the network, and each other
 *       stage's time as a share of the network's: reading the requests (Avro, PNG decoding),
 *       preprocessing, building the embedding records, the Kafka transaction (the service's
 *       stage timers and the model's own timings); {@code overlapped_s} is the stage time that
 *       ran beside the network, {@code overhead_share} what the loop takes beyond the network,
 *       {@code overhead_vs_alone} beyond the network run alone on as many images just before
 *       (the honest figure where the stages beside the network slow it down).
 * </ul>
 */
final class VisionBench {

  static final List<Integer> BATCHES = List.of(1, 16, 64);
  static final int SERVICE_BATCH = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What one run measures.
   *
   * @param warmup untimed batches before a case's first round
   * @param warmupSeconds and at least this long (Java's JIT; the peer is given the same)
   * @param iterations timed batches per round, or null for about 160 images per round (at least 3 batches)
   * @param peerCommand the peer's command line, split on spaces
   * @param serviceImages images through the service case
   * @param imagesPerTransaction the service case's poll size (one Kafka transaction each)
   * @param nativeMemory --native-memory, printed with each line (reuse or release)
   */
  record Settings(int warmup, double warmupSeconds, Integer iterations, int rounds, boolean compare,
      String peerCommand, int serviceImages, int imagesPerTransaction, int threads, String nativeMemory,
      Path profileDir) {}

  private final Settings settings;
  private final ModelOptions options;
  private final Predicate<String> selected;
  private final Consumer<ObjectNode> emit;
  private final Function<List<String>, ExtractorBench.PeerProcess> peers;

  VisionBench(Settings settings, ModelOptions options, Predicate<String> selected, Consumer<ObjectNode> emit,
      Function<List<String>, ExtractorBench.PeerProcess> peers) {
    this.settings = settings;
    this.options = options;
    this.selected = selected;
    this.emit = emit;
    this.peers = peers;
  }

  /** Runs the cases of the vision model {@code model} names (a file, a folder, a hub id). */
  void run(List<VisionModelSource> sources) {
    Map<String, VisionFeatureModel> models = new LinkedHashMap<>();
    String name = sources.get(0).name();
    try {
      for (VisionModelSource source : sources) {
        progress("opening " + source.file() + " (" + source.format() + ")");
        models.put(source.format(), VisionFeatureModel.open(source, name,
            options.withUnetBatch(BATCHES.get(BATCHES.size() - 1))));
      }
      Path folder = sources.get(0).file().getParent();
      for (int batch : BATCHES) {
        modelCases(name, folder, models, batch);
      }
    } finally {
      models.values().forEach(VisionFeatureModel::close);
    }
    for (VisionModelSource source : sources) {
      String caseName = "vision-" + name + "-" + source.format() + "-service-b" + SERVICE_BATCH;
      if (selected.test(caseName)) {
        serviceCase(caseName, source, name);
      }
    }
  }

  private void modelCases(String name, Path folder, Map<String, VisionFeatureModel> models, int batch) {
    String peerCase = "vision-" + name + "-b" + batch;
    Map<String, String> caseNames = new LinkedHashMap<>();
    models.keySet().forEach(format -> caseNames.put(format, "vision-" + name + "-" + format + "-b" + batch));
    caseNames.values().removeIf(selected.negate());
    boolean withPeer = settings.compare() && selected.test(peerCase);
    if (caseNames.isEmpty() && !withPeer) {
      return;
    }
    int iters = settings.iterations() != null ? settings.iterations() : Math.max(3, 160 / batch);
    int[] size = models.values().iterator().next().inputSize();
    float[] input = VisionFeatureModel.probeInput(new long[] {batch, 3, size[0], size[1]});
    Map<String, Double> bestJava = new LinkedHashMap<>();
    Map<String, Double> leastCpuJava = new LinkedHashMap<>();
    double bestPeer = 0;
    double leastCpuPeer = Double.MAX_VALUE;
    try (ExtractorBench.PeerProcess peer = withPeer ? peers.apply(peerArguments(folder, name, batch, iters)) : null) {
      for (int round = 1; round <= settings.rounds(); round++) {
        for (Map.Entry<String, String> c : caseNames.entrySet()) {
          VisionFeatureModel model = models.get(c.getKey());
          if (round == 1) {
            progress(c.getValue() + ": warm-up, " + settings.warmup() + " batches and " + settings.warmupSeconds()
                + " s");
            long until = System.nanoTime() + (long) (settings.warmupSeconds() * 1e9);
            for (int i = 0; i < settings.warmup() || System.nanoTime() < until; i++) {
              model.extractPreprocessed(input, batch, size[0], size[1]);
            }
          }
          progress(c.getValue() + ": round " + round + "/" + settings.rounds() + ", " + iters + " batches");
          ProcessCost before = ProcessCost.now();
          long start = System.nanoTime();
          int features = 0;
          for (int i = 0; i < iters; i++) {
            features = model.extractPreprocessed(input, batch, size[0], size[1]).size();
          }
          double batchesPerS = iters / ((System.nanoTime() - start) / 1e9);
          ProcessCost after = ProcessCost.now();
          ObjectNode r = caseNode(c.getValue(), name, c.getKey(), batch, size[0], iters);
          r.put("images_per_s", ExtractorBench.round(batchesPerS * batch));
          r.put("ms_per_batch", ExtractorBench.round(1000 / batchesPerS));
          r.put("cpu_ms_per_batch", ExtractorBench.round((after.cpuNanos() - before.cpuNanos()) / 1e6 / iters));
          if (after.pageFaults() >= 0) {
            r.put("page_faults_per_batch", ExtractorBench.round((double) (after.pageFaults() - before.pageFaults()) / iters));
          }
          r.put("layers", features / batch);
          r.put("round", round);
          emit.accept(r);
          bestJava.merge(c.getKey(), batchesPerS * batch, Math::max);
          leastCpuJava.merge(c.getKey(), r.get("cpu_ms_per_batch").asDouble(), Math::min);
        }
        if (peer != null) {
          progress(peerCase + " [pytorch-eager]: round " + round + "/" + settings.rounds());
          ObjectNode r = peer.measure();
          r.put("round", round);
          emit.accept(r);
          bestPeer = Math.max(bestPeer, r.get("images_per_s").asDouble());
          leastCpuPeer = Math.min(leastCpuPeer, r.get("cpu_ms_per_batch").asDouble());
        }
      }
    }
    if (settings.profileDir() != null && caseNames.containsKey("torchscript")) {
      profile(caseNames.get("torchscript"), models.get("torchscript"), input, batch, size, iters);
    }
    if (withPeer) {
      for (Map.Entry<String, Double> e : bestJava.entrySet()) {
        ObjectNode r = JSON.createObjectNode();
        r.put("case", caseNames.get(e.getKey()));
        r.put("compare", "java/pytorch-eager");
        r.put("format", e.getKey());
        r.put("batch", batch);
        r.put("rounds", settings.rounds());
        r.put("java_images_per_s", ExtractorBench.round(e.getValue()));
        r.put("peer_images_per_s", ExtractorBench.round(bestPeer));
        r.put("speedup", ExtractorBench.round(e.getValue() / bestPeer));
        // CPU time per batch (least of the rounds): the ratio that a loaded machine disturbs least
        r.put("java_cpu_ms_per_batch", leastCpuJava.get(e.getKey()));
        r.put("peer_cpu_ms_per_batch", leastCpuPeer);
        r.put("cpu_ratio", ExtractorBench.round(leastCpuPeer / leastCpuJava.get(e.getKey())));
        r.put("load_avg_1m", ExtractorBench.loadAverage());
        System.out.println(r);
        System.out.flush();
      }
    }
  }

  /**
   * The TorchScript case once more, {@code iters} batches under libtorch's profiler: a "profile"
   * line with each operator's self time per batch and the trace beside it. Set against the case's
   * CPU time per batch, it splits libtorch's operators from the per-call work around them (Java,
   * JNI, the TorchScript interpreter); the profiler's own cost inflates the operators' sum, by up
   * to a few microseconds per operator call (docs/benchmarks.md, "Vision models").
   */
  private void profile(String caseName, VisionFeatureModel model, float[] input, int batch, int[] size, int iters) {
    progress(caseName + ": " + iters + " batches under libtorch's profiler");
    ForwardProfile profile = ForwardProfile.of(() -> {
      for (int i = 0; i < iters; i++) {
        model.extractPreprocessed(input, batch, size[0], size[1]);
      }
    }, settings.profileDir().resolve(caseName + ".trace.json"));
    ObjectNode r = JSON.createObjectNode();
    r.put("case", caseName);
    r.put("batches", iters);
    profile.describe(r, iters);
    r.put("load_avg_1m", ExtractorBench.loadAverage());
    System.out.println(r);
    System.out.flush();
  }

  /**
   * What the process has spent so far: CPU time (all threads: the runtimes' pools, the JVM's) and
   * minor page faults (-1 where /proc/self/stat is absent). Per batch they tell a runtime's work
   * from its waiting on a loaded machine, where wall time mostly measures the other processes.
   */
  record ProcessCost(long cpuNanos, long pageFaults) {
    static ProcessCost now() {
      long cpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
          .getOperatingSystemMXBean()).getProcessCpuTime();
      return new ProcessCost(cpu, ResidentMemory.minorPageFaults().orElse(-1)); // not Linux: CPU time alone
    }
  }

  /** bench/peer_vision.py's arguments for one batch size, matching this run's settings. */
  private List<String> peerArguments(Path folder, String name, int batch, int iters) {
    List<String> command = new ArrayList<>(List.of(settings.peerCommand().trim().split("\\s+")));
    command.addAll(List.of("--model-dir", folder.toString(), "--model", name, "--batch", String.valueOf(batch),
        "--warmup", String.valueOf(Math.max(1, settings.warmup())), "--warmup-seconds",
        String.valueOf(settings.warmupSeconds()), "--iterations", String.valueOf(iters),
        "--threads", String.valueOf(settings.threads()), "--serve"));
    return command;
  }

  /**
   * The extract loop on an embedded broker: requests published first, then one extractor
   * instance extracts them in polls of {@link #SERVICE_BATCH}; its batch timer (poll returned to
   * transaction committed) against the model's own timings.
   */
  private void serviceCase(String caseName, VisionModelSource source, String name) {
    int images = settings.serviceImages();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Metrics.addRegistry(meters);
    try (LocalCluster cluster = LocalCluster.start(LocalCluster.Settings.defaults().withPartitions(1));
        VisionFeatureModel model = VisionFeatureModel.open(source, name, options.withUnetBatch(SERVICE_BATCH))) {
      ClusterConfig config = cluster.clusterConfig();
      int side = model.inputSize()[0];
      List<BufferedImage> pictures = pictures(images, side * 3 / 2, side * 5 / 4);
      progress(caseName + ": publishing " + images + " requests");
      publish(config, pictures);
      for (int i = 0; i < Math.max(1, settings.warmup()); i++) { // the first forwards at the batch's shape
        model.extract(inputs(pictures.subList(0, SERVICE_BATCH)));
      }
      // The network alone on as many batches, nothing beside it: what the loop's time is compared
      // with, since stages run beside the network compete with it for cores (and slow it down).
      int batches = Math.min(8, (images + SERVICE_BATCH - 1) / SERVICE_BATCH);
      float[] batch = VisionFeatureModel.probeInput(new long[] {SERVICE_BATCH, 3, side, model.inputSize()[1]});
      progress(caseName + ": the network alone, " + batches + " batches");
      long aloneStart = System.nanoTime();
      for (int i = 0; i < batches; i++) {
        model.extractPreprocessed(batch, SERVICE_BATCH, side, model.inputSize()[1]);
      }
      double aloneS = (System.nanoTime() - aloneStart) / 1e9 / (batches * SERVICE_BATCH) * images;
      VisionFeatureModel.Timings before = model.timings();
      progress(caseName + ": extracting through the service");
      Map<String, Double> cpuBefore = threadCpu();
      ProcessCost costBefore = ProcessCost.now();
      List<CommittedPoll> timeline = Collections.synchronizedList(new ArrayList<>());
      long start = System.nanoTime();
      ExtractorOptions defaults = ExtractorOptions.defaults("bench");
      ExtractorOptions perTransaction = new ExtractorOptions(defaults.instanceId(), settings.imagesPerTransaction(),
          defaults.pollTimeout(), defaults.maxPollInterval());
      try (ExtractorService service = new ExtractorService(config, model, perTransaction)) {
        service.observePolls((times, requests) -> timeline.add(new CommittedPoll(times, requests)));
        service.start();
        while (service.imagesExtracted() + service.deadLetters() < images) {
          if (service.failure().isPresent()) {
            throw new IllegalStateException("the extractor stopped: " + service.failure().get());
          }
          sleep();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        ProcessCost costAfter = ProcessCost.now();
        Map<String, Double> cpuAfter = threadCpu();
        Timer loop = meters.find("alignstream.extractor.batch").tag("model", name).timer();
        // The loop's stages overlap (the network on its own thread): its time is the busy wall time.
        double loopS = seconds(meters.find("alignstream.extractor.busy").tag("model", name).timer());
        VisionFeatureModel.Timings after = model.timings();
        double networkS = (after.forwardNanos() - before.forwardNanos()) / 1e9;
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put("read_requests", seconds(stage(meters, name, "read"))); // Avro and PNG decoding, request checks
        parts.put("preprocessing", seconds(stage(meters, name, "prepare")));
        // pooled vectors into Avro records: the network thread's time beyond the model's
        parts.put("embedding_records", seconds(stage(meters, name, "extract")) - networkS);
        parts.put("kafka_commit", seconds(stage(meters, name, "commit"))); // send, offsets, commit
        double inStages = networkS + parts.values().stream().mapToDouble(Double::doubleValue).sum();
        ObjectNode r = caseNode(caseName, name, source.format(), SERVICE_BATCH, model.inputSize()[0], 1);
        r.put("images", images);
        r.put("image_size", pictures.get(0).getWidth() + "x" + pictures.get(0).getHeight());
        r.put("images_per_transaction", settings.imagesPerTransaction());
        r.put("dead_letters", service.deadLetters());
        r.put("polls", loop.count());
        r.put("wall_s", ExtractorBench.round(wall));
        r.put("loop_s", ExtractorBench.round(loopS));
        // what ran beside the network instead of after it: the stages' sum beyond the loop's time
        r.put("overlapped_s", ExtractorBench.round(inStages - loopS));
        r.put("network_s", ExtractorBench.round(networkS));
        parts.forEach((part, s) -> r.put(part + "_s", ExtractorBench.round(s)));
        r.put("images_per_s", ExtractorBench.round(images / loopS));
        parts.forEach((part, s) -> r.put(part + "_share", ExtractorBench.round(s / networkS)));
        r.put("overhead_share", ExtractorBench.round((loopS - networkS) / networkS));
        r.put("network_alone_s", ExtractorBench.round(aloneS));
        r.put("overhead_vs_alone", ExtractorBench.round((loopS - aloneS) / aloneS));
        describeSteadyState(r, List.copyOf(timeline), images, networkS, aloneS);
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("configuration", settings.threads() > 0 && settings.threads() < Runtime.getRuntime().availableProcessors()
            ? "gpu-host stand-in: the network on " + settings.threads() + " of " + Runtime.getRuntime()
                .availableProcessors() + " cores, the others left to the stages"
            : "cpu host: the network and the stages share every core");
        r.put("cpu_s", ExtractorBench.round((costAfter.cpuNanos() - costBefore.cpuNanos()) / 1e9));
        ObjectNode byThread = r.putObject("cpu_s_by_thread");
        cpuAfter.entrySet().stream()
            .map(e -> Map.entry(e.getKey(), e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0.0)))
            .filter(e -> e.getValue() >= 0.01)
            .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
            .forEach(e -> byThread.put(e.getKey(), ExtractorBench.round(e.getValue())));
        emit.accept(r);
      }
    } finally {
      Metrics.removeRegistry(meters);
      meters.close();
    }
  }

  /** One committed poll of the service case: when it passed each point of the loop, and its requests. */
  private record CommittedPoll(ExtractorMeters.PollTimes times, int requests) {}

  /**
   * What a long-running extractor sees, from the polls' timeline. A finite run starts with a fill
   * (the first poll read and prepared before any network) and ends with a drain (the last commit
   * after the network), which a service that keeps running pays once; its first polls also run
   * beside the JIT compiling the loop's code, a first transaction and a cold cache. So the steady
   * figures take the second half of the polls: from the network starting on the first of them to
   * the network ending on the last, the network's own time plus any time its thread waited for a
   * prepared poll (a stall per poll), against the network alone on as many images.
   *
   * <p>Adds, for the whole run: {@code fill_s}, {@code drain_s}, {@code network_waiting_s},
   * {@code network_slowdown_vs_alone} (the network's time in the service against alone: what the
   * stages beside it cost it); for the second half: {@code steady_images}, {@code steady_s},
   * {@code steady_network_s}, {@code steady_images_per_s}, {@code steady_overhead_vs_alone},
   * {@code steady_network_slowdown_vs_alone}; and {@code timeline}: per poll, its requests and
   * the ms from the first poll to each point of the loop.
   */
  private static void describeSteadyState(ObjectNode r, List<CommittedPoll> polls, int images, double networkS,
      double aloneS) {
    ExtractorMeters.PollTimes first = polls.get(0).times();
    ExtractorMeters.PollTimes last = polls.get(polls.size() - 1).times();
    double aloneSPerImage = aloneS / images;
    r.put("fill_s", ExtractorBench.round((first.networkStart() - first.polled()) / 1e9));
    r.put("drain_s", ExtractorBench.round((last.committed() - last.networkEnd()) / 1e9));
    r.put("network_waiting_s", ExtractorBench.round(networkWaiting(polls)));
    r.put("network_slowdown_vs_alone", ExtractorBench.round((networkS - aloneS) / aloneS));
    int from = polls.size() / 2;
    int steadyImages = 0;
    double steadyNetworkS = 0;
    for (CommittedPoll poll : polls.subList(from, polls.size())) {
      steadyImages += poll.requests();
      steadyNetworkS += (poll.times().networkEnd() - poll.times().networkStart()) / 1e9;
    }
    double steadyS = (last.networkEnd() - polls.get(from).times().networkStart()) / 1e9;
    double steadyAloneS = aloneSPerImage * steadyImages;
    r.put("steady_images", steadyImages);
    r.put("steady_s", ExtractorBench.round(steadyS));
    r.put("steady_network_s", ExtractorBench.round(steadyNetworkS));
    r.put("steady_images_per_s", ExtractorBench.round(steadyImages / steadyS));
    r.put("steady_overhead_vs_alone", ExtractorBench.round((steadyS - steadyAloneS) / steadyAloneS));
    r.put("steady_network_slowdown_vs_alone", ExtractorBench.round((steadyNetworkS - steadyAloneS) / steadyAloneS));
    ArrayNode timeline = r.putArray("timeline");
    String[] names = {"polled", "read", "prepared", "network_start", "network_end", "commit_start", "committed"};
    for (CommittedPoll poll : polls) {
      ExtractorMeters.PollTimes t = poll.times();
      long[] points = {t.polled(), t.read(), t.prepared(), t.networkStart(), t.networkEnd(), t.commitStart(),
          t.committed()};
      ObjectNode row = timeline.addObject().put("requests", poll.requests());
      for (int i = 0; i < points.length; i++) {
        row.put(names[i] + "_ms", Math.round((points[i] - first.polled()) / 1e5) / 10.0);
      }
    }
  }

  /** Seconds the network thread waited for a prepared poll between the first poll's network and the last's. */
  private static double networkWaiting(List<CommittedPoll> polls) {
    double waiting = 0;
    for (int i = 1; i < polls.size(); i++) {
      waiting += Math.max(0, polls.get(i).times().networkStart() - polls.get(i - 1).times().networkEnd()) / 1e9;
    }
    return waiting;
  }

  /**
   * CPU seconds so far per thread name of this process ({@link NativeThreads}: the runtimes'
   * native pools and the JVM's own threads included), digits folded to {@code #} so that a
   * pool's threads add up.
   */
  private static Map<String, Double> threadCpu() {
    Map<String, Double> cpu = new TreeMap<>();
    NativeThreads.cpuNanosByName().forEach((name, nanos) -> cpu.merge(name.replaceAll("\\d+", "#"), nanos / 1e9,
        Double::sum));
    return cpu;
  }

  private static Timer stage(SimpleMeterRegistry meters, String model, String stage) {
    return meters.find("alignstream.extractor.stage").tag("model", model).tag("stage", stage).timer();
  }

  private static double seconds(Timer timer) {
    return timer.totalTime(TimeUnit.NANOSECONDS) / 1e9;
  }

  /**
   * Distinct images of random colour blocks, larger than the model's input (1.5 x 1.25 its side:
   * 96x80 for the 64 x 64 fixtures, 336x280 at 224), so resizing and cropping both work.
   */
  private static List<BufferedImage> pictures(int count, int width, int height) {
    SplittableRandom rng = new SplittableRandom(5);
    List<BufferedImage> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          if (x % 16 == 0 && y % 16 == 0) {
            image.setRGB(x, y, rng.nextInt(1 << 24));
          } else {
            int block = image.getRGB(x - x % 16, y - y % 16) & 0xFFFFFF;
            image.setRGB(x, y, block ^ (rng.nextInt(16) * 0x010101));
          }
        }
      }
      list.add(image);
    }
    return list;
  }

  private static List<ImageInput> inputs(List<BufferedImage> pictures) {
    List<ImageInput> list = new ArrayList<>();
    for (int i = 0; i < pictures.size(); i++) {
      list.add(new ImageInput("warm" + i, "thing", pictures.get(i), List.of(0.0), List.of(),
          List.of(Conditioning.NONE), i, 64, LatentMode.MEAN));
    }
    return list;
  }

  private static void publish(ClusterConfig config, List<BufferedImage> pictures) {
    AvroSerde<ExtractionRequest> serde = AvroSerde.configured(ExtractionRequest.class, config.serdeProperties(), false);
    String topic = config.topics().requests();
    try (var producer = new KafkaProducer<>(config.producerProperties("bench-vision"), new StringSerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < pictures.size(); i++) {
        String key = "v" + i;
        ExtractionRequest request = ExtractionRequest.newBuilder()
            .setRequestId(key).setDataset("bench").setItemId(key).setImageId(key).setConcept("thing")
            .setImage(ByteBuffer.wrap(png(pictures.get(i)))).setImageSha256("-").setNoiseLevels(List.of(0.0))
            .setConditionings(List.of(Conditioning.NONE)).setSeed(0).setResolution(64).setLatent(LatentMode.MEAN)
            .setSettingsDigest("bench").setCreatedAt(Instant.now())
            .build();
        producer.send(new ProducerRecord<>(topic, key, serde.serialize(topic, request)));
      }
    }
  }

  private static byte[] png(BufferedImage image) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ImageIO.write(image, "png", bytes);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectNode caseNode(String caseName, String model, String format, int batch, int side, int iters) {
    ObjectNode r = JSON.createObjectNode();
    r.put("case", caseName);
    r.put("impl", "java");
    r.put("model", model);
    r.put("format", format);
    r.put("batch", batch);
    r.put("side", side);
    r.put("device", options.device());
    r.put("threads", settings.threads());
    r.put("native_memory", settings.nativeMemory());
    OpenMpWaitPolicy.settings().forEach((variable, value) -> r.put(variable.toLowerCase(Locale.ROOT), value));
    r.put("iterations", iters);
    return r;
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void progress(String message) {
    ExtractorBench.progress(message);
  }
}
