package io.alignstream.extractor;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one forward spends its time, by libtorch operator: runs the forward under libtorch's
 * profiler (reached through DJL's {@code JniUtils.startProfile}), keeps the Chrome trace it
 * writes (open it in Perfetto or chrome://tracing), and sums each operator's <em>self</em> time,
 * i.e. its duration minus that of the operators it called ({@code aten::conv2d} calls
 * {@code aten::convolution}, which calls {@code aten::mkldnn_convolution}, ...), so that the
 * totals add up to the forward instead of counting nested work several times.
 *
 * @param trace the Chrome trace file written
 * @param totalMs the summed self time of every operator (the forward's time inside libtorch)
 * @param topLevelOperators operator calls no other operator made: what each call from Java into
 *     libtorch starts (one for a DJL operator or a TorchScript method, a few where DJL's C++ side
 *     composes operators, e.g. a transpose, a matmul and an add for a linear layer), the count
 *     that per-operator dispatch costs scale with
 * @param operators operators by descending self time
 */
record ForwardProfile(Path trace, double totalMs, int topLevelOperators, List<Operator> operators) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One operator name's share of the forward: summed self time and number of calls. */
  record Operator(String name, double selfMs, int calls) {}

  /**
   * Puts the operators' time into a "profile" line, per forward of {@code forwards} profiled:
   * {@code ms_in_operators}, {@code top_level_operators} and the operators that take the first 95%
   * of it (name, self_ms, calls).
   */
  void describe(ObjectNode line, int forwards) {
    line.put("profile", trace.toString());
    line.put("ms_in_operators", ExtractorBench.round(totalMs / forwards));
    line.put("top_level_operators", ExtractorBench.round((double) topLevelOperators / forwards));
    ArrayNode list = line.putArray("operators");
    double covered = 0;
    for (Operator op : operators) {
      if (covered >= 0.95 * totalMs) {
        break;
      }
      covered += op.selfMs();
      list.addObject().put("name", op.name()).put("self_ms", ExtractorBench.round(op.selfMs() / forwards))
          .put("calls", ExtractorBench.round((double) op.calls() / forwards));
    }
  }

  /** Runs {@code forward} once under the profiler, writing the trace to {@code trace}. */
  static ForwardProfile of(Runnable forward, Path trace) {
    try {
      Files.createDirectories(trace.toAbsolutePath().getParent());
      JniUtils.startProfile(false, true, false);
      try {
        forward.run();
      } finally {
        JniUtils.stopProfile(trace.toString());
      }
      return read(trace);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write or read the profile " + trace, e);
    }
  }

  /** Self time per operator from a Chrome trace's complete ("X") events, thread by thread. */
  static ForwardProfile read(Path trace) throws IOException {
    JsonNode root = JSON.readTree(trace.toFile());
    JsonNode events = root.isArray() ? root : root.path("traceEvents");
    Map<String, List<JsonNode>> byThread = new HashMap<>();
    for (JsonNode e : events) {
      if ("X".equals(e.path("ph").asText()) && e.has("dur")) {
        byThread.computeIfAbsent(e.path("pid").asText() + "/" + e.path("tid").asText(), k -> new ArrayList<>()).add(e);
      }
    }
    Map<String, double[]> totals = new HashMap<>(); // name -> {self us, calls}
    int roots = 0;
    for (List<JsonNode> thread : byThread.values()) {
      // parents start first, and at equal starts the longer one encloses the shorter
      thread.sort(Comparator.<JsonNode>comparingDouble(e -> e.path("ts").asDouble())
          .thenComparing(Comparator.<JsonNode>comparingDouble(e -> e.path("dur").asDouble()).reversed()));
      double[] end = new double[thread.size()];
      double[] self = new double[thread.size()];
      Deque<Integer> open = new ArrayDeque<>(); // the events enclosing the current one, innermost first
      for (int i = 0; i < thread.size(); i++) {
        double start = thread.get(i).path("ts").asDouble();
        double duration = thread.get(i).path("dur").asDouble();
        while (!open.isEmpty() && end[open.peek()] <= start) {
          open.pop();
        }
        end[i] = start + duration;
        self[i] = duration;
        if (open.isEmpty()) {
          roots++;
        } else {
          self[open.peek()] -= duration;
        }
        open.push(i);
      }
      for (int i = 0; i < thread.size(); i++) {
        double[] t = totals.computeIfAbsent(thread.get(i).path("name").asText(), k -> new double[2]);
        t[0] += self[i];
        t[1]++;
      }
    }
    List<Operator> operators = totals.entrySet().stream()
        .map(e -> new Operator(e.getKey(), e.getValue()[0] / 1000, (int) e.getValue()[1]))
        .sorted(Comparator.comparingDouble(Operator::selfMs).reversed())
        .toList();
    return new ForwardProfile(trace, operators.stream().mapToDouble(Operator::selfMs).sum(), roots, operators);
  }
}
