package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.Setting;
import org.junit.jupiter.api.Test;

class SettingKeyTest {

  @Test
  void diffusionSettingsKeepTheirFourPartKey() {
    Setting s = Setting.newBuilder().setModelId("tiny").setLayer("Down1").setNoiseLevel(0.2).setTimestep(191)
        .setConditioning(Conditioning.TEXT).build();
    assertThat(SettingKey.of(s)).isEqualTo("tiny|Down1|0.2|TEXT");
    assertThat(SettingKey.describe(s)).isEqualTo("s=0.2 TEXT");
    Setting parsed = SettingKey.parse("tiny|Down1|0.2|TEXT");
    assertThat(parsed.getNoiseLevel()).isEqualTo(0.2);
    assertThat(parsed.getConditioning()).isEqualTo(Conditioning.TEXT);
    assertThat(parsed.getPooling()).isNull();
  }

  @Test
  void pooledSettingsHaveThreePartsAndNoNoiseOrConditioning() {
    Setting s = SettingKey.pooled("vit", "encoder.ln", "cls+mean");
    assertThat(s.getNoiseLevel()).isNull();
    assertThat(s.getTimestep()).isNull();
    assertThat(s.getConditioning()).isNull();
    assertThat(SettingKey.of(s)).isEqualTo("vit|encoder.ln|cls+mean");
    assertThat(SettingKey.parse("vit|encoder.ln|cls+mean")).isEqualTo(s);
    assertThat(SettingKey.describe(s)).isEqualTo("pool cls+mean");
    assertThat(SettingKey.conditioning(s)).isNull();
  }

  @Test
  void aSettingOfNeitherFormIsRejected() {
    Setting both = Setting.newBuilder().setModelId("m").setLayer("l").setNoiseLevel(0.0).setTimestep(0)
        .setConditioning(Conditioning.NONE).setPooling("mean").build();
    assertThatThrownBy(() -> SettingKey.of(both)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pooled setting has none of them");
    Setting neither = Setting.newBuilder().setModelId("m").setLayer("l").build();
    assertThatThrownBy(() -> SettingKey.of(neither)).hasMessageContaining("neither a pooling nor a noise level");
    assertThatThrownBy(() -> SettingKey.parse("m|l")).hasMessageContaining("or 3 parts model|layer|pooling");
    assertThatThrownBy(() -> SettingKey.parse("m||mean")).hasMessageContaining("empty part");
    assertThatThrownBy(() -> SettingKey.pooled("m", "a|b", "mean")).hasMessageContaining("must not contain '|'");
  }
}
