package io.alignstream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.schema.ExtractionRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RequestPublisherTest {

  @Test
  void buildsTheRequestRecordOfAnImage() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3};
    DatasetItem item = new DatasetItem("bat1", "bat1", "bat1_01b.png", ImageSource.ofBytes(png));
    ExtractionSettings settings = ExtractionSettings.defaults();
    Instant now = Instant.ofEpochMilli(1_700_000_000_000L);

    ExtractionRequest request = RequestPublisher.request("things", item, png, settings, now);

    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
        ("noise_levels=0,0.01,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9;timesteps=;conditionings=NONE,TEXT;seed=0;"
            + "resolution=512;latent=SAMPLE").getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    assertThat(request.getRequestId()).isEqualTo("bat1_01b.png@" + digest);
    assertThat(request.getSettingsDigest()).isEqualTo(digest);
    assertThat(request.getImageSha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(png)));
    assertThat(request.getImage().remaining()).isEqualTo(png.length);
    assertThat(request.getItemId()).isEqualTo("bat1");
    assertThat(request.getCreatedAt()).isEqualTo(now);
  }

  @Test
  void imageIdsCannotBreakTheRequestKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> new DatasetItem("a", "a", "a@b.png", ImageSource.ofBytes(new byte[1])))
        .hasMessageContaining("must not contain '@'");
  }
}
