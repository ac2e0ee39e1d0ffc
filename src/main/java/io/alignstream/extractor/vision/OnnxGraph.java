package io.alignstream.extractor.vision;

import com.google.protobuf.InvalidProtocolBufferException;
import io.alignstream.onnx.proto.OnnxProto.GraphProto;
import io.alignstream.onnx.proto.OnnxProto.ModelProto;
import io.alignstream.onnx.proto.OnnxProto.NodeProto;
import io.alignstream.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.alignstream.onnx.proto.OnnxProto.StringStringEntryProto;
import io.alignstream.onnx.proto.OnnxProto.TensorProto;
import io.alignstream.onnx.proto.OnnxProto.TensorShapeProto;
import io.alignstream.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An ONNX model file read with the ONNX schema ({@code src/main/proto/onnx/onnx.proto}, compiled by
 * protoc): its input, its outputs, every value a node produces, opset and producer, and its
 * external data files. ONNX Runtime returns graph outputs only, so {@link #withOutputs} adds the
 * values asked for to the graph's outputs before a session is created: any value is a layer, and
 * nobody re-exports a model to get another one. Initializers stored in external data files stay
 * there (the edited graph still names them, relative to {@link #folder()}).
 */
final class OnnxGraph {

  private final Path file;
  private final ModelProto model;

  private OnnxGraph(Path file, ModelProto model) {
    this.file = file;
    this.model = model;
  }

  /**
   * Reads an ONNX model and checks that every external data file it names is there and long
   * enough.
   *
   * @throws IllegalArgumentException for a file that is not an ONNX model (truncated, another
   *     format) or a missing external data file
   */
  static OnnxGraph read(Path file) {
    ModelProto model;
    try {
      model = ModelProto.parseFrom(Files.readAllBytes(file));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(file + " is not an ONNX model (" + e.getMessage()
          + "); truncated, or another format?", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 || model.getIrVersion() == 0) {
      throw new IllegalArgumentException(file + " is not an ONNX model: it has no graph, nodes or IR version");
    }
    OnnxGraph graph = new OnnxGraph(file, model);
    graph.checkExternalData();
    return graph;
  }

  Path file() {
    return file;
  }

  /** The folder external data locations are relative to. */
  Path folder() {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? Path.of(".") : parent;
  }

  /** The default opset's version (domain "" or ai.onnx); 0 when none is declared. */
  int opset() {
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        return (int) o.getVersion();
      }
    }
    return 0;
  }

  /** "producer version", e.g. "pytorch 1.13.0". */
  String producer() {
    return (model.getProducerName() + " " + model.getProducerVersion()).trim();
  }

  /** The image input: the first graph input that is not an initializer. */
  ValueInfoProto input() {
    Set<String> initializers = new LinkedHashSet<>();
    model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
    return model.getGraph().getInputList().stream().filter(i -> !initializers.contains(i.getName())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(file + " has no graph input for the images"));
  }

  /** The input's dimensions; -1 where symbolic or unknown. */
  long[] inputDims() {
    TensorShapeProto shape = input().getType().getTensorType().getShape();
    long[] dims = new long[shape.getDimCount()];
    for (int i = 0; i < dims.length; i++) {
      TensorShapeProto.Dimension d = shape.getDim(i);
      dims[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : -1;
    }
    return dims;
  }

  /** The graph's outputs, in order. */
  List<String> outputs() {
    return model.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList();
  }

  /** Every value a node produces, in graph order, and the graph outputs. */
  List<String> nodeValues() {
    Set<String> values = new LinkedHashSet<>();
    for (NodeProto node : model.getGraph().getNodeList()) {
      if (node.getOpType().equals("Constant")) {
        continue; // weights, not activations
      }
      node.getOutputList().stream().filter(o -> !o.isEmpty()).forEach(values::add);
    }
    values.addAll(outputs());
    return List.copyOf(values);
  }

  /** The serialized model with these values added to the graph's outputs (those already outputs stay). */
  byte[] withOutputs(List<String> values) {
    Set<String> present = new LinkedHashSet<>(outputs());
    GraphProto.Builder graph = model.getGraph().toBuilder();
    for (String value : values) {
      if (present.add(value)) {
        // Name only: ONNX Runtime infers the type and shape of an output it computes anyway.
        graph.addOutput(ValueInfoProto.newBuilder().setName(value));
      }
    }
    return model.toBuilder().setGraph(graph).build().toByteArray();
  }

  private void checkExternalData() {
    for (TensorProto tensor : model.getGraph().getInitializerList()) {
      if (tensor.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
        continue;
      }
      String location = null;
      long offset = 0;
      long length = -1;
      for (StringStringEntryProto e : tensor.getExternalDataList()) {
        switch (e.getKey()) {
          case "location" -> location = e.getValue();
          case "offset" -> offset = Long.parseLong(e.getValue());
          case "length" -> length = Long.parseLong(e.getValue());
          default -> { }
        }
      }
      if (location == null) {
        throw new IllegalArgumentException(file + ": initializer " + tensor.getName()
            + " is stored externally but names no location");
      }
      Path data = folder().resolve(location).normalize();
      if (!Files.isRegularFile(data)) {
        throw new IllegalArgumentException(file + " keeps initializer " + tensor.getName() + " in the external "
            + "data file " + location + ", which is missing (looked for " + data + ")");
      }
      try {
        long size = Files.size(data);
        if (length >= 0 && offset + length > size) {
          throw new IllegalArgumentException(file + ": external data file " + location + " has " + size
              + " bytes; initializer " + tensor.getName() + " needs bytes " + offset + ".." + (offset + length)
              + " (truncated?)");
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + data + ": " + e.getMessage(), e);
      }
    }
  }
}
