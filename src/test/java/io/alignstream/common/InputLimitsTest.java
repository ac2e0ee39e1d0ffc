package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.bench.HostileInputs;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Images are judged from their header before any pixel is decoded; every refusal names the problem. */
class InputLimitsTest {

  private final InputLimits limits = InputLimits.defaults();

  @Test
  void aSmallPngDeclaringNineHundredMillionPixelsIsRefusedFromItsHeader() {
    byte[] bomb = HostileInputs.pngBomb(30_000);
    // The file itself: small, and its IHDR (bytes 16..23) declares 30000 x 30000.
    assertThat(bomb.length).isBetween(100_000, 120_000);
    ByteBuffer ihdr = ByteBuffer.wrap(bomb, 16, 8);
    assertThat(ihdr.getInt()).isEqualTo(30_000);
    assertThat(ihdr.getInt()).isEqualTo(30_000);

    assertThatThrownBy(() -> limits.decode(bomb, "image bomb.png"))
        .isInstanceOf(InputLimits.RejectedImageException.class)
        .hasMessageContaining("image bomb.png (PNG 30000 x 30000")
        .hasMessageContaining("has 900000000 pixels, over the limit of 25000000 pixels (--max-image-pixels)");
    assertThatThrownBy(() -> limits.checkImage(bomb, "bomb.png")).hasMessageContaining("(--max-image-pixels)");
  }

  @Test
  void theBombGeneratorWritesARealPngThatDecodesWithinALimit() {
    BufferedImage image = limits.decode(HostileInputs.pngBomb(1000), "small bomb");
    assertThat(image.getWidth()).isEqualTo(1000);
    assertThat(image.getHeight()).isEqualTo(1000);
    assertThat(image.getRGB(999, 999) & 0xffffff).isZero();
    assertThat(limits.withMaxImagePixels(1_000_000).checkImage(HostileInputs.pngBomb(1000), "x").pixels())
        .isEqualTo(1_000_000);
    assertThatThrownBy(() -> limits.withMaxImagePixels(999_999).checkImage(HostileInputs.pngBomb(1000), "x"))
        .hasMessageContaining("1000000 pixels, over the limit of 999999");
  }

  @Test
  void aJpegHeaderDeclaringHugeDimensionsIsRefused() {
    assertThatThrownBy(() -> limits.decode(HostileInputs.jpegDeclaring(60_000, 50_000), "big.jpg"))
        .hasMessageContaining("big.jpg (JPEG 60000 x 50000")
        .hasMessageContaining("3000000000 pixels, over the limit of 25000000");
  }

  @Test
  void truncatedDamagedAndNonImageFilesAreRefusedWithTheirProblem() {
    byte[] png = HostileInputs.solid(64, 0x8040c0, "png");
    assertThatThrownBy(() -> limits.decode(HostileInputs.truncated(png, 0.5), "cut.png"))
        .hasMessageContaining("cut.png (PNG 64 x 64")
        .hasMessageContaining("cannot be decoded");
    byte[] jpeg = HostileInputs.solid(256, 0x8040c0, "jpg");
    assertThatThrownBy(() -> limits.decode(HostileInputs.truncated(jpeg, 0.9), "cut.jpg"))
        .hasMessageContaining("cut.jpg (JPEG 256 x 256")
        .hasMessageContaining("is damaged: Truncated File - Missing EOI marker");
    assertThatThrownBy(() -> limits.decode(HostileInputs.htmlPage(), "page.jpg"))
        .hasMessageContaining("page.jpg (54 bytes starting 3c21646f63747970) is in no image format");
    assertThatThrownBy(() -> limits.decode(HostileInputs.truncated(png, 0.1), "stub.png"))
        .hasMessageContaining("stub.png")
        .hasMessageContaining("no readable PNG header");
    assertThatThrownBy(() -> limits.decode(new byte[0], "empty.png")).hasMessageContaining("(0 bytes starting )");
  }

  @Test
  void theContentDecidesTheFormatNotTheName() {
    for (String format : new String[] {"png", "jpg", "gif", "bmp"}) {
      BufferedImage image = limits.decode(HostileInputs.solid(32, 0x102030, format), "mislabelled.png");
      assertThat(image.getWidth()).as(format).isEqualTo(32);
    }
  }

  @Test
  void anImageLargerThanARequestCanCarryIsRefusedBeforeReading() {
    InputLimits small = new InputLimits(InputLimits.DEFAULT_MAX_IMAGE_PIXELS, 70_000, 10, 10);
    byte[] png = HostileInputs.pngBomb(20_000); // about 50 KB
    assertThat(small.maxImageBytes()).isEqualTo(70_000 - 65_536);
    assertThatThrownBy(() -> small.checkImage(png, "big.png"))
        .hasMessageContaining("big.png: image of " + png.length + " bytes is over the limit of 4464 bytes "
            + "(--max-request-bytes 70000 less 65536 for the rest of the request)");
    assertThat(small.requestSizeProblem(70_001)).isEqualTo("request record of 70001 bytes is over the limit of "
        + "70000 bytes (--max-request-bytes)");
    assertThat(small.requestSizeProblem(70_000)).isNull();
    assertThat(small.vectorDimProblem(11)).isEqualTo("11 values, over the limit of 10 (--max-vector-dim)");
    assertThat(small.tripletFileProblem(10)).isNull();
  }

  @Test
  void limitsOutsideTheirRangeAreRefused() {
    assertThatThrownBy(() -> new InputLimits(0, InputLimits.DEFAULT_MAX_REQUEST_BYTES, 1, 1))
        .hasMessageContaining("--max-image-pixels must be >= 1");
    assertThatThrownBy(() -> new InputLimits(1, PipelineTopics.MAX_REQUEST_BYTES + 1, 1, 1))
        .hasMessageContaining("--max-request-bytes must be in 65537..16777216");
  }
}
