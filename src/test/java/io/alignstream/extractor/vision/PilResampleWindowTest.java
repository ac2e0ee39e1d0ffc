package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two shortcuts of the preprocessing give what the long way gives: resizing only the window a
 * crop keeps equals resizing everything and cutting the window out, and reading interleaved bytes
 * straight from the raster equals {@code getRGB}.
 */
class PilResampleWindowTest {

  @ParameterizedTest
  @EnumSource(PilResample.Filter.class)
  void aWindowOfTheResizeIsTheSameWindowCutFromTheWholeResize(PilResample.Filter filter) {
    SplittableRandom random = new SplittableRandom(11);
    int[][] sizes = {{336, 280, 307, 256}, {97, 61, 40, 90}, {50, 50, 50, 73}, {64, 30, 64, 30}, {33, 47, 120, 47}};
    for (int[] s : sizes) {
      int w = s[0];
      int h = s[1];
      int newW = s[2];
      int newH = s[3];
      int[][] planes = new int[3][w * h];
      for (int[] plane : planes) {
        for (int i = 0; i < plane.length; i++) {
          plane[i] = random.nextInt(256);
        }
      }
      int[][] whole = PilResample.resize(planes, w, h, newW, newH, filter, new PilResample.Window(0, 0, newW, newH));
      for (int trial = 0; trial < 5; trial++) {
        int left = random.nextInt(newW);
        int top = random.nextInt(newH);
        PilResample.Window window = new PilResample.Window(left, top, 1 + random.nextInt(newW - left),
            1 + random.nextInt(newH - top));
        int[][] part = PilResample.resize(planes, w, h, newW, newH, filter, window);
        for (int c = 0; c < 3; c++) {
          for (int y = 0; y < window.height(); y++) {
            for (int x = 0; x < window.width(); x++) {
              assertThat(part[c][y * window.width() + x]).as("%s %s, window %s, channel %d at %d,%d", filter,
                  java.util.Arrays.toString(s), window, c, x, y)
                  .isEqualTo(whole[c][(top + y) * newW + left + x]);
            }
          }
        }
      }
    }
  }

  @Test
  void interleavedBytesReadStraightGiveWhatGetRgbGives() throws IOException {
    SplittableRandom random = new SplittableRandom(5);
    for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_ARGB}) {
      BufferedImage image = new BufferedImage(41, 29, type);
      for (int y = 0; y < 29; y++) {
        for (int x = 0; x < 41; x++) {
          image.setRGB(x, y, random.nextInt());
        }
      }
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(image, "png", png);
      BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png.toByteArray())); // ImageIO's own layout
      for (BufferedImage source : new BufferedImage[] {image, decoded, image.getSubimage(7, 3, 20, 19)}) {
        int[][] rgb = VisionPreprocessor.rgbOverWhite(source);
        for (int y = 0; y < source.getHeight(); y++) {
          for (int x = 0; x < source.getWidth(); x++) {
            int argb = source.getRGB(x, y);
            int a = source.getColorModel().hasAlpha() ? argb >>> 24 : 255;
            for (int c = 0; c < 3; c++) {
              int v = (argb >>> (16 - 8 * c)) & 0xFF;
              int expected = a == 255 ? v : (v * a + 255 * (255 - a) + 127) / 255;
              assertThat(rgb[c][y * source.getWidth() + x]).as("type %d, %d,%d channel %d", source.getType(), x, y, c)
                  .isEqualTo(expected);
            }
          }
        }
      }
    }
  }
}
