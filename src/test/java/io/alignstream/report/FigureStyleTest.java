package io.alignstream.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FigureStyleTest {

  @Test
  void layersAreInNetworkOrderWhateverOrderTheyArrivedIn() {
    assertThat(FigureStyle.layerOrder(List.of("Up1", "Mid", "Down0", "Up1"))).containsExactly("Down0", "Mid", "Up1");
    assertThat(FigureStyle.layerOrder(List.of("layer10", "layer2", "layer1", "fc")))
        .containsExactly("fc", "layer1", "layer2", "layer10");
    assertThat(FigureStyle.layerOrder(List.of("blocks.11.attn", "blocks.2.attn", "blocks.2", "blocks.02")))
        .containsExactly("blocks.02", "blocks.2", "blocks.2.attn", "blocks.11.attn");
  }

  @Test
  void aLayerHasOneColourWhateverElseIsShown() {
    // a UNet layer's colour is its network position's, with or without the other layers
    assertThat(FigureStyle.colour("Mid", List.of("Mid"))).isEqualTo(FigureStyle.PALETTE.get(4));
    assertThat(FigureStyle.colour("Mid", FigureStyle.UNET_LAYERS)).isEqualTo(FigureStyle.PALETTE.get(4));
    // other layers by their place among the model's layers, in natural order, cycling after nine
    List<String> eleven = List.of("b.10", "b.9", "b.8", "b.7", "b.6", "b.5", "b.4", "b.3", "b.2", "b.1", "b.0");
    assertThat(FigureStyle.colour("b.0", eleven)).isEqualTo(FigureStyle.PALETTE.get(0));
    assertThat(FigureStyle.colour("b.8", eleven)).isEqualTo(FigureStyle.PALETTE.get(8));
    assertThat(FigureStyle.colour("b.9", eleven)).isEqualTo(FigureStyle.PALETTE.get(0));
  }

  @Test
  void textThatDoesNotFitIsCutWithAnEllipsisAtTheEndThatMattersLeast() {
    String path = "visual.transformer.resblocks.11";
    assertThat(FigureStyle.fit(path, 1000, 11, false, true)).isEqualTo(path);
    String end = FigureStyle.fit(path, 80, 11, false, true);
    assertThat(end).startsWith("\u2026").endsWith("resblocks.11");
    assertThat(FigureStyle.textWidth(end, 11, false)).isLessThanOrEqualTo(80);
    String start = FigureStyle.fit(path, 80, 11, false, false);
    assertThat(start).startsWith("visual.").endsWith("\u2026");
    // bold and capitals take more room than plain lower case
    assertThat(FigureStyle.textWidth("Mid", 12, true)).isGreaterThan(FigureStyle.textWidth("Mid", 12, false));
    assertThat(FigureStyle.textWidth("MMM", 12, false)).isGreaterThan(FigureStyle.textWidth("iii", 12, false));
  }
}
