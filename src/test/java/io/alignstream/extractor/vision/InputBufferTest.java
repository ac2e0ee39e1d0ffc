package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class InputBufferTest {

  private static float[] read(ByteBuffer view) {
    FloatBuffer floats = view.asFloatBuffer();
    float[] out = new float[floats.remaining()];
    floats.get(out);
    return out;
  }

  @Test
  void eachFillShowsExactlyThatBatchWhetherTheBufferGrowsOrIsReused() {
    InputBuffer buffer = new InputBuffer();
    float[] large = {1, 2, 3, 4, 5, 6, 7, 8};
    float[] small = {-1, -2, -3};

    ByteBuffer first = buffer.fill(large);
    int generation = buffer.generation();
    assertThat(first.isDirect()).isTrue();
    assertThat(first.position()).isZero();
    assertThat(first.limit()).isEqualTo(32);
    assertThat(read(first)).containsExactly(large);

    // a smaller batch reuses the memory: its view ends after its own floats, not the old ones
    ByteBuffer second = buffer.fill(small);
    assertThat(second.limit()).isEqualTo(12);
    assertThat(read(second)).containsExactly(small);
    assertThat(second.asFloatBuffer().isDirect()).isTrue(); // what ONNX Runtime reads without a copy
    assertThat(buffer.generation()).as("same memory").isEqualTo(generation);

    float[] larger = new float[20];
    for (int i = 0; i < larger.length; i++) {
      larger[i] = i * 0.5f;
    }
    assertThat(read(buffer.fill(larger))).containsExactly(larger);
    assertThat(buffer.generation()).as("new memory").isNotEqualTo(generation);
  }
}
