package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LatentMode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class PixelBaselineTest {

  private static ImageInput input(BufferedImage image) {
    return new ImageInput("item", "item", image, List.of(0.5), List.of(), List.of(Conditioning.TEXT), 1, 512,
        LatentMode.SAMPLE);
  }

  @Test
  void downsamplesByExactAreaAverages() {
    // 4x4 image whose 2x2 quadrants are red, green, blue and white; side 2 -> one quadrant per cell.
    BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, 2, 2);
    g.setColor(Color.GREEN);
    g.fillRect(2, 0, 2, 2);
    g.setColor(Color.BLUE);
    g.fillRect(0, 2, 2, 2);
    g.setColor(Color.WHITE);
    g.fillRect(2, 2, 2, 2);
    g.dispose();

    List<Feature> features = new PixelBaseline("pixels", 2).extract(List.of(input(image)));

    assertThat(features).extracting(Feature::layer).containsExactly("rgb2", "hist");
    assertThat(features.get(0).vector()).containsExactly(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1);
    // Side 1: the mean of all 16 pixels, per channel: red (4+4)/16, green (4+4)/16, blue (4+4)/16.
    float[] mean = new PixelBaseline("pixels", 1).extract(List.of(input(image))).get(0).vector();
    assertThat(mean).containsExactly(0.5f, 0.5f, 0.5f);
  }

  @Test
  void averagesFractionalCellsWhenTheSideDoesNotDivide() {
    // 3x3 image, left column black, the rest white; side 2 -> each output cell covers 1.5 source pixels.
    BufferedImage image = new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        image.setRGB(x, y, x == 0 ? 0x000000 : 0xffffff);
      }
    }
    float[] v = new PixelBaseline("pixels", 2).extract(List.of(input(image))).get(0).vector();
    // Left cells: 1 black pixel + half a white one -> 0.5 / 1.5 = 1/3 white; right cells all white.
    assertThat(v[0]).isCloseTo(1f / 3, within(1e-6f));
    assertThat(v[3]).isEqualTo(1f);
  }

  @Test
  void histogramCountsFractionsOfPixelsAndFlattensTransparencyOnWhite() {
    BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
    image.setRGB(0, 0, 0xffff0000); // opaque red
    image.setRGB(1, 0, 0xffff0000);
    image.setRGB(0, 1, 0xff000000); // opaque black
    image.setRGB(1, 1, 0x00000000); // fully transparent -> white
    float[] hist = new PixelBaseline("pixels", 2).extract(List.of(input(image))).get(1).vector();

    int red = (7 * 8 + 0) * 8 + 0;
    int black = 0;
    int white = (7 * 8 + 7) * 8 + 7;
    assertThat(hist).hasSize(512);
    assertThat(hist[red]).isEqualTo(0.5f);
    assertThat(hist[black]).isEqualTo(0.25f);
    assertThat(hist[white]).isEqualTo(0.25f);
  }

  @Test
  void ignoresNoiseAndTextAndCropsTheCenterSquare() {
    BufferedImage wide = new BufferedImage(6, 2, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 6; x++) {
      for (int y = 0; y < 2; y++) {
        wide.setRGB(x, y, x >= 2 && x < 4 ? 0x00ff00 : 0xff0000); // green center square, red sides
      }
    }
    List<Feature> features = new PixelBaseline("pixels", 1).extract(List.of(input(wide)));
    assertThat(features.get(0).vector()).containsExactly(0, 1, 0);
    assertThat(features).allSatisfy(f -> {
      assertThat(f.noiseLevel()).isZero();
      assertThat(f.conditioning()).isEqualTo(Conditioning.NONE);
    });
  }
}
