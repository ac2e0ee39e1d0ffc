package io.alignstream.extractor.vision;

import io.alignstream.onnx.proto.OnnxProto.ModelProto;
import io.alignstream.onnx.proto.OnnxProto.StringStringEntryProto;
import io.alignstream.onnx.proto.OnnxProto.TensorProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Altered copies of the fixture models, as the bad-input tests of the commands and of the fleet
 * need them: cut short, or with their weights in an external data file (which a test may then delete).
 */
public final class VisionModelCopies {

  private VisionModelCopies() {}

  /** The first {@code fraction} of a file's bytes, written to {@code out}. */
  public static Path truncated(Path file, double fraction, Path out) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return Files.write(out, Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An ONNX model with every initializer of 1 KiB or more moved to one external data file,
   * {@code weights.bin}, as {@code torch.onnx.export} writes models over 2 GB: {@code dir/model.onnx}
   * and {@code dir/weights.bin}.
   *
   * @return the model file
   */
  public static Path withExternalData(Path model, Path dir) {
    try {
      ModelProto.Builder builder = ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder();
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      for (int i = 0; i < builder.getGraph().getInitializerCount(); i++) {
        TensorProto t = builder.getGraph().getInitializer(i);
        if (t.getRawData().size() < 1024) {
          continue;
        }
        long offset = data.size();
        t.getRawData().writeTo(data);
        builder.getGraphBuilder().setInitializer(i, t.toBuilder().clearRawData()
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(entry("location", "weights.bin"))
            .addExternalData(entry("offset", String.valueOf(offset)))
            .addExternalData(entry("length", String.valueOf(t.getRawData().size()))));
      }
      Files.createDirectories(dir);
      Files.write(dir.resolve("weights.bin"), data.toByteArray());
      return Files.write(dir.resolve("model.onnx"), builder.build().toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
