package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestedSettingsTest {

  /** Records what it is asked to extract. */
  private static final class Recorder implements FeatureModel {
    final List<ImageInput> seen = new ArrayList<>();

    @Override
    public ModelInfo info() {
      return new ModelInfo("rec", "test", "test", List.of(), true, true, "mean", "cpu", "float32", "-", "-",
          java.util.Map.of());
    }

    @Override
    public List<Feature> extract(List<ImageInput> images) {
      seen.addAll(images);
      return List.of();
    }

    @Override
    public void close() {}
  }

  private static ImageInput input() {
    return new ImageInput("cat", "cat", new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), List.of(0.1),
        List.of(41, 191), List.of(Conditioning.NONE, Conditioning.TEXT), 7, 64, LatentMode.MEAN);
  }

  @Test
  void theRequestedGridReplacesTheImageRequestsOwnTimestepsIncluded() {
    Recorder recorder = new Recorder();
    new RequestedSettings(recorder, List.of(0.5, 0.9), List.of(Conditioning.TEXT)).extract(List.of(input()));
    ImageInput seen = recorder.seen.get(0);
    assertThat(seen.noiseLevels()).containsExactly(0.5, 0.9);
    assertThat(seen.timesteps()).isEmpty();
    assertThat(seen.conditionings()).containsExactly(Conditioning.TEXT);
    assertThat(List.of(seen.itemId(), seen.seed(), seen.resolution(), seen.latent()))
        .containsExactly("cat", 7L, 64, LatentMode.MEAN);
  }

  @Test
  void anEmptyListKeepsTheImageRequestsOwn() {
    Recorder recorder = new Recorder();
    new RequestedSettings(recorder, List.of(), List.of(Conditioning.NONE)).extract(List.of(input()));
    ImageInput seen = recorder.seen.get(0);
    assertThat(seen.noiseLevels()).containsExactly(0.1);
    assertThat(seen.timesteps()).containsExactly(41, 191);
    assertThat(seen.conditionings()).containsExactly(Conditioning.NONE);
  }
}
