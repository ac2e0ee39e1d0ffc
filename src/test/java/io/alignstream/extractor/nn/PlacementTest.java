package io.alignstream.extractor.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

class PlacementTest {

  @Test
  void float16NeedsAGpuAndAGpuIndexMustBeVisible() {
    assertThatThrownBy(() -> Placement.parse("cpu", "float16")).hasMessageContaining("float16 needs a GPU");
    assertThatThrownBy(() -> Placement.parse("tpu", "float32")).hasMessageContaining("unknown device 'tpu'");
    // with a GPU visible, the same settings resolve to gpu(N) in float16
    Placement onGpu = Placement.of(Placement.device("gpu:1", 2), "float16");
    assertThat(onGpu.device().isGpu()).isTrue();
    assertThat(onGpu.device().getDeviceId()).isEqualTo(1);
    assertThat(onGpu.dtype()).isEqualTo(DataType.FLOAT16);
    assertThatThrownBy(() -> Placement.device("gpu:2", 2)).hasMessageContaining("sees only 2 GPU(s)");
  }
}
