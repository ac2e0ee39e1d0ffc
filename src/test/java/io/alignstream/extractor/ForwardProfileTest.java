package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardProfileTest {

  @Test
  void selfTimeIsDurationMinusWhatTheOperatorCalled(@TempDir Path tmp) throws Exception {
    // conv2d (100 us) calls convolution (60 us), which calls mkldnn_convolution (45 us); then an
    // add (10 us) on the same thread; a second thread's mm (30 us) overlaps in time but not in nesting
    Path trace = tmp.resolve("trace.json");
    Files.writeString(trace, """
        {"traceEvents": [
          {"name": "aten::conv2d", "ph": "X", "ts": 0, "dur": 100, "pid": "CPU", "tid": 1},
          {"name": "aten::convolution", "ph": "X", "ts": 5, "dur": 60, "pid": "CPU", "tid": 1},
          {"name": "aten::mkldnn_convolution", "ph": "X", "ts": 10, "dur": 45, "pid": "CPU", "tid": 1},
          {"name": "aten::add", "ph": "X", "ts": 120, "dur": 10, "pid": "CPU", "tid": 1},
          {"name": "aten::add", "ph": "X", "ts": 140, "dur": 6, "pid": "CPU", "tid": 1},
          {"name": "aten::mm", "ph": "X", "ts": 20, "dur": 30, "pid": "CPU", "tid": 2},
          {"name": "thread_name", "ph": "M", "pid": "CPU", "tid": 1}
        ]}""");
    ForwardProfile profile = ForwardProfile.read(trace);
    assertThat(profile.operators()).extracting(ForwardProfile.Operator::name).containsExactly(
        "aten::mkldnn_convolution", "aten::conv2d", "aten::mm", "aten::add", "aten::convolution");
    assertThat(profile.operators()).extracting(ForwardProfile.Operator::selfMs)
        .containsExactly(0.045, 0.040, 0.030, 0.016, 0.015);
    assertThat(profile.operators().get(3).calls()).isEqualTo(2);
    assertThat(profile.totalMs()).isCloseTo(0.146, within(1e-12)); // 100 + 16 + 30 us: the roots
    assertThat(profile.topLevelOperators()).isEqualTo(4); // conv2d, the two adds, and the other thread's mm
  }

  @Test
  void profilesARealForward(@TempDir Path tmp) {
    Path trace = tmp.resolve("profiles").resolve("matmul.trace.json");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.ones(new Shape(64, 32));
      NDArray b = m.ones(new Shape(32, 16));
      ForwardProfile profile = ForwardProfile.of(() -> a.matMul(b).close(), trace);
      assertThat(trace).isRegularFile();
      assertThat(profile.operators()).anySatisfy(op -> {
        assertThat(op.name()).isIn("aten::mm", "aten::matmul");
        assertThat(op.calls()).isEqualTo(1);
      });
      assertThat(profile.totalMs()).isPositive();
      assertThat(profile.topLevelOperators()).isEqualTo(1);
    }
  }
}
