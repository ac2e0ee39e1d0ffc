package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.alignstream.CommandRun;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} for vision models on a CPU-only build: ONNX models select ONNX Runtime's CUDA
 * execution provider (present only in the {@code -Pcuda} build's onnxruntime_gpu), TorchScript
 * models DJL's device, as the diffusion models do; each refusal says which build is needed.
 */
class VisionDevicesTest {

  @TempDir
  Path tmp;

  @Test
  void deviceNamesGiveTheCudaDeviceIndex() {
    assertThat(VisionShapes.gpuIndex("cpu")).isEqualTo(-1);
    assertThat(VisionShapes.gpuIndex("gpu")).isZero();
    assertThat(VisionShapes.gpuIndex("GPU:3")).isEqualTo(3);
    assertThatThrownBy(() -> VisionShapes.gpuIndex("tpu:0")).hasMessageContaining("cpu, gpu or gpu:N");
  }

  @Test
  void aGpuNeedsARuntimeWithTheCudaProvider() {
    assertThatThrownBy(() -> OnnxNetwork.requireCuda("gpu:1", EnumSet.of(OrtProvider.CPU)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--device gpu:1").hasMessageContaining("onnxruntime_gpu").hasMessageContaining("-Pcuda");
    assertThatCode(() -> OnnxNetwork.requireCuda("gpu:1", EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA)))
        .doesNotThrowAnyException();
  }

  @Test
  void onTheCpuBuildAnOnnxModelOnAGpuIsRefusedNamingTheBuild() throws Exception {
    assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA), "skipped: this build has CUDA");
    CommandRun run = CommandRun.run("layers", "--model", VisionFixtures.model("resnet").resolve("layers.onnx")
        .toString(), "--device", "gpu:1");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err().strip()).startsWith("error: --device gpu:1: this build carries ONNX Runtime's CPU natives")
        .endsWith("ONNX models on a GPU need the onnxruntime_gpu build: mvn -Pcuda package");
  }

  @Test
  void onTheCpuBuildATorchScriptModelOnAGpuGoesThroughDjlsDevice() {
    CommandRun run = CommandRun.run("features", "--model", VisionFixtures.model("vit").resolve("layers.pt")
        .toString(), "--device", "gpu", "--input-tensor",
        VisionFixtures.model("vit").resolve("reference.safetensors") + ":input", "--out",
        tmp.resolve("out.safetensors").toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("no GPU visible to DJL/PyTorch").contains("mvn -Pcuda package");
  }
}
