package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExtractionSettingsTest {

  @Test
  void digestIsTheFirst16HexOfSha256OverTheCanonicalString() throws Exception {
    ExtractionSettings settings = new ExtractionSettings(List.of(0.1, 0.0, 0.5), List.of(),
        List.of(Conditioning.TEXT, Conditioning.NONE), 7, 512, LatentMode.MEAN);
    String canonical = "noise_levels=0,0.1,0.5;timesteps=;conditionings=NONE,TEXT;seed=7;resolution=512;latent=MEAN";
    assertThat(settings.canonicalString()).isEqualTo(canonical);
    String sha = HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    assertThat(settings.digest()).isEqualTo(sha.substring(0, 16));
    assertThat(settings.requestId("cat.png")).isEqualTo("cat.png@" + sha.substring(0, 16));
  }

  @Test
  void equalSettingsGiveEqualDigestsWhateverTheOrderAndDifferentSettingsDifferentOnes() {
    ExtractionSettings a = new ExtractionSettings(List.of(0.2, 0.1, 0.1), List.of(),
        List.of(Conditioning.TEXT, Conditioning.NONE), 0, 512, LatentMode.SAMPLE);
    ExtractionSettings b = new ExtractionSettings(List.of(0.1, 0.2), List.of(),
        List.of(Conditioning.NONE, Conditioning.TEXT), 0, 512, LatentMode.SAMPLE);
    assertThat(a.digest()).isEqualTo(b.digest());
    assertThat(new ExtractionSettings(List.of(0.1, 0.2), List.of(), List.of(Conditioning.NONE), 0, 512,
        LatentMode.SAMPLE).digest()).isNotEqualTo(a.digest());
    assertThat(new ExtractionSettings(List.of(0.1, 0.2), List.of(), List.of(Conditioning.NONE, Conditioning.TEXT), 1,
        512, LatentMode.SAMPLE).digest()).isNotEqualTo(a.digest());
    assertThat(new ExtractionSettings(List.of(0.1, 0.2), List.of(), List.of(Conditioning.NONE, Conditioning.TEXT), 0,
        768, LatentMode.SAMPLE).digest()).isNotEqualTo(a.digest());
  }

  @Test
  void timestepsReplaceNoiseLevels() {
    ExtractionSettings settings = new ExtractionSettings(List.of(0.1), List.of(891, 1, 41), List.of(Conditioning.NONE),
        0, 512, LatentMode.SAMPLE);
    assertThat(settings.noiseLevels()).isEmpty();
    assertThat(settings.timesteps()).containsExactly(1, 41, 891);
    assertThat(settings.canonicalString()).startsWith("noise_levels=;timesteps=1,41,891;");
  }

  @Test
  void defaultsAreTheSeedPapersProtocol() {
    ExtractionSettings defaults = ExtractionSettings.defaults();
    assertThat(defaults.noiseLevels()).containsExactly(0.0, 0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);
    assertThat(defaults.conditionings()).containsExactly(Conditioning.NONE, Conditioning.TEXT);
    assertThat(defaults.resolution()).isEqualTo(512);
  }

  @Test
  void rejectsImpossibleSettings() {
    List<Conditioning> none = List.of(Conditioning.NONE);
    assertThatThrownBy(() -> new ExtractionSettings(List.of(1.5), List.of(), none, 0, 512, LatentMode.SAMPLE))
        .hasMessageContaining("noise level 1.5 is outside [0, 1]");
    assertThatThrownBy(() -> new ExtractionSettings(List.of(), List.of(1000), none, 0, 512, LatentMode.SAMPLE))
        .hasMessageContaining("timestep 1000 is outside 0..999");
    assertThatThrownBy(() -> new ExtractionSettings(List.of(), List.of(), none, 0, 512, LatentMode.SAMPLE))
        .hasMessageContaining("at least one noise level or timestep");
    assertThatThrownBy(() -> new ExtractionSettings(List.of(0.1), List.of(), List.of(), 0, 512, LatentMode.SAMPLE))
        .hasMessageContaining("at least one conditioning");
    assertThatThrownBy(() -> new ExtractionSettings(List.of(0.1), List.of(), none, 0, 500, LatentMode.SAMPLE))
        .hasMessageContaining("multiple of 8");
  }
}
