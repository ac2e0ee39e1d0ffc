package io.alignstream.extractor.vision;

import com.google.protobuf.InvalidProtocolBufferException;
import io.alignstream.onnx.proto.OnnxProto.AttributeProto;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX model file read with the ONNX schema ({@code src/main/proto/onnx/onnx.proto}, compiled by
 * protoc): its input, its outputs, every value a node produces, opset and producer, and its
 * external data files. ONNX Runtime returns graph outputs only, so {@link #withOutputs} adds the
 * values asked for to the graph's outputs before a session is created: any value is a layer, and
 * nobody re-exports a model to get another one. Initializers stored in external data files stay
 * there (the edited graph names them relative to {@link #dataFolder()}).
 */
final class OnnxGraph {

  private final Path file;
  private final ModelProto model;
  /** Each external data location, as the file names it, with the real file (links resolved) it reads. */
  private final Map<String, Path> externalData;
  private final Path dataFolder;

  private OnnxGraph(Path file, ModelProto model, Map<String, Path> externalData) {
    this.file = file;
    this.model = model;
    this.externalData = externalData;
    Path common = null;
    for (Path real : externalData.values()) {
      Path parent = real.getParent();
      while (common != null && !parent.startsWith(common)) {
        common = common.getParent();
      }
      common = common == null ? parent : common;
    }
    this.dataFolder = common == null ? folder(file) : common;
  }

  /**
   * Reads an ONNX model and checks that every external data file it names is there and long
   * enough.
   *
   * @throws IllegalArgumentException for a file that is not an ONNX model (truncated, another
   *     format) or a missing external data file
   */
  static OnnxGraph read(Path file) {
    ModelProto model = parse(file);
    return new OnnxGraph(file, model, checkExternalData(file, model));
  }

  /**
   * The external data files an ONNX model names, relative to its folder, whether or not they are
   * there yet (what a download must fetch beside it).
   */
  static Set<String> externalDataFiles(Path file) {
    Set<String> files = new LinkedHashSet<>();
    for (TensorProto tensor : parse(file).getGraph().getInitializerList()) {
      if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
        tensor.getExternalDataList().stream().filter(e -> e.getKey().equals("location"))
            .forEach(e -> files.add(e.getValue()));
      }
    }
    return files;
  }

  private static ModelProto parse(Path file) {
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
    return model;
  }

  Path file() {
    return file;
  }

  /** The folder external data locations are relative to. */
  private static Path folder(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? Path.of(".") : parent;
  }

  /**
   * The folder ONNX Runtime is told to read external data from: the deepest folder holding every
   * external data file once links are resolved (the model's own folder when it has none). ONNX
   * Runtime 1.29 refuses a location that resolves, through a link, outside that folder, and the
   * hub cache's snapshot files are links into its blobs/ folder; {@link #withOutputs} therefore
   * names each file by its real path relative to this folder.
   */
  Path dataFolder() {
    return dataFolder;
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
    return serialize(model.getGraph().toBuilder(), values);
  }

  /**
   * The serialized model with each target's vectors as a graph output: a layer pooled by nodes
   * added after it (so ONNX Runtime returns [N, dim], not the whole map or token sequence), or
   * the layer itself for {@code flatten} and {@code none}. {@link #outputName} names each output.
   *
   * @param shapes each target layer's shape [N, ...] (its rank tells a map from tokens)
   */
  byte[] withPooledOutputs(List<LayerSelection.Target> targets, Map<String, long[]> shapes) {
    GraphProto.Builder graph = model.getGraph().toBuilder();
    Set<String> outputs = new LinkedHashSet<>();
    Set<String> added = new LinkedHashSet<>();
    for (LayerSelection.Target t : targets) {
      String name = outputName(t);
      outputs.add(name);
      if (name.equals(t.layer()) || !added.add(name)) {
        continue;
      }
      String layer = t.layer();
      boolean map = shapes.get(layer).length == 4;
      switch (t.pooling()) {
        case MEAN -> mean(graph, layer, map ? new long[] {2, 3} : new long[] {1}, name); // [N, C] or [N, D]
        case CLS -> classToken(graph, layer, name); // token 0: [N, D]
        case CLS_MEAN -> {
          classToken(graph, layer, name + "/cls");
          mean(graph, layer, new long[] {1}, name + "/mean");
          graph.addNode(node("Concat", name, name + "/cls", name + "/mean").addAttribute(ints("axis", 1L)));
        }
        default -> throw new IllegalStateException(t.pooling() + " is returned as it is");
      }
    }
    return serialize(graph, new ArrayList<>(outputs));
  }

  /** The graph output a target's vectors come from: the layer for flatten and none, else the pooling node's. */
  static String outputName(LayerSelection.Target t) {
    return switch (t.pooling()) {
      case FLATTEN, NONE -> t.layer();
      default -> "alignstream/" + t.pooling().label() + "/" + t.layer();
    };
  }

  /** ReduceMean over {@code axes}, dropping them; axes are an attribute before opset 18, an input from 18 on. */
  private void mean(GraphProto.Builder graph, String value, long[] axes, String out) {
    if (opset() >= 18) {
      graph.addNode(constant(out + "/axes", axes, axes.length));
      graph.addNode(node("ReduceMean", out, value, out + "/axes").addAttribute(ints("keepdims", 0L)));
    } else {
      graph.addNode(node("ReduceMean", out, value).addAttribute(ints("axes", axes))
          .addAttribute(ints("keepdims", 0L)));
    }
  }

  /** Token 0 of [N, T, D]: Gather with a scalar index drops the token axis. */
  private static void classToken(GraphProto.Builder graph, String value, String out) {
    graph.addNode(constant(out + "/index", new long[] {0}, -1));
    graph.addNode(node("Gather", out, value, out + "/index").addAttribute(ints("axis", 1L)));
  }

  private static NodeProto.Builder node(String op, String output, String... inputs) {
    return NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output).addAllInput(List.of(inputs));
  }

  /** A Constant node of int64 values, a vector of {@code length} or a scalar when length is -1. */
  private static NodeProto.Builder constant(String output, long[] values, int length) {
    TensorProto.Builder tensor = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE);
    if (length >= 0) {
      tensor.addDims(length);
    }
    for (long v : values) {
      tensor.addInt64Data(v);
    }
    return node("Constant", output).addAttribute(AttributeProto.newBuilder().setName("value")
        .setType(AttributeProto.AttributeType.TENSOR).setT(tensor));
  }

  /** An INT attribute for one value, INTS for several or for axes. */
  private static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
    if (values.length == 1 && !name.equals("axes")) {
      return a.setType(AttributeProto.AttributeType.INT).setI(values[0]).build();
    }
    for (long v : values) {
      a.addInts(v);
    }
    return a.setType(AttributeProto.AttributeType.INTS).build();
  }

  /** The graph with {@code values} added to its outputs and external data named from {@link #dataFolder}. */
  private byte[] serialize(GraphProto.Builder graph, List<String> values) {
    Set<String> present = new LinkedHashSet<>(outputs());
    for (String value : values) {
      if (present.add(value)) {
        // Name only: ONNX Runtime infers the type and shape of an output it computes anyway.
        graph.addOutput(ValueInfoProto.newBuilder().setName(value));
      }
    }
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto tensor = graph.getInitializer(i);
      if (tensor.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
        continue;
      }
      TensorProto.Builder relocated = tensor.toBuilder();
      for (int e = 0; e < relocated.getExternalDataCount(); e++) {
        StringStringEntryProto entry = relocated.getExternalData(e);
        if (entry.getKey().equals("location")) {
          String real = dataFolder.relativize(externalData.get(entry.getValue())).toString();
          relocated.setExternalData(e, entry.toBuilder().setValue(real));
        }
      }
      graph.setInitializer(i, relocated);
    }
    return model.toBuilder().setGraph(graph).build().toByteArray();
  }

  /** Checks that every external data file is there and long enough; returns each location's real file. */
  private static Map<String, Path> checkExternalData(Path file, ModelProto model) {
    Map<String, Path> real = new LinkedHashMap<>();
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
      Path data = folder(file).resolve(location).normalize();
      if (!Files.isRegularFile(data)) {
        throw new IllegalArgumentException(file + " keeps initializer " + tensor.getName() + " in the external "
            + "data file " + location + ", which is missing (looked for " + data + ")");
      }
      try {
        real.put(location, data.toRealPath());
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
    return real;
  }
}
