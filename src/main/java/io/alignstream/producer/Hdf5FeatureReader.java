package io.alignstream.producer;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one 2-D numeric dataset of an HDF5 file (rows = concepts) with jhdf, a pure-Java HDF5
 * reader: contiguous or chunked storage, gzip/shuffle/LZF/LZ4 filters, any byte order.
 * thingsvision's {@code save_features(..., file_format="hdf5")} writes a {@code features}
 * dataset, which is the default path; {@code --dataset-path} names any other, e.g.
 * {@code model/layer/features}.
 */
public final class Hdf5FeatureReader {

  /** The dataset thingsvision writes. */
  private static final String DEFAULT_DATASET = "features";

  private Hdf5FeatureReader() {}

  /** The dataset a {@code --dataset-path} names: {@code features} when not given, without a leading '/'. */
  public static String dataset(String datasetPath) {
    return datasetPath == null ? DEFAULT_DATASET : datasetPath.replaceFirst("^/+", "");
  }

  /** Reads the dataset {@link #dataset(String) datasetPath} names. */
  public static FeatureMatrix read(Path file, String datasetPath) {
    String path = dataset(datasetPath);
    try (HdfFile hdf = new HdfFile(file)) {
      Node node = find(hdf, path);
      if (!(node instanceof Dataset dataset)) {
        throw InvalidInputException.in(file, "'" + path + "' is a group, not a dataset; datasets in the file: "
            + datasetPaths(hdf));
      }
      return matrix(file, path, dataset);
    } catch (HdfException e) {
      // jhdf reports a file that is not HDF5, a truncated one or an unsupported feature this way.
      throw InvalidInputException.in(file, "cannot read HDF5 dataset '" + path + "': " + e.getMessage());
    }
  }

  private static Node find(HdfFile hdf, String datasetPath) {
    Node node = hdf;
    for (String name : datasetPath.split("/")) {
      if (name.isEmpty()) {
        continue; // a leading '/' (absolute path) or a doubled separator
      }
      Node child = node instanceof Group group ? group.getChildren().get(name) : null;
      if (child == null) {
        throw InvalidInputException.in(hdf.getFileAsPath(), "no dataset '" + datasetPath + "' (use --dataset-path); "
            + "datasets in the file: " + datasetPaths(hdf));
      }
      node = child;
    }
    return node;
  }

  private static FeatureMatrix matrix(Path file, String datasetPath, Dataset dataset) {
    long[] shape = dataset.getDimensionsAsLong();
    String where = "dataset '" + datasetPath + "'";
    if (shape.length != 2) {
      throw InvalidInputException.in(file, where + " has shape " + java.util.Arrays.toString(shape)
          + "; expected 2-D rows (concepts) x features");
    }
    if (shape[0] == 0 || shape[1] == 0) {
      throw InvalidInputException.in(file, where + " is empty (" + shape[0] + " x " + shape[1] + ")");
    }
    if (shape[0] * shape[1] > Integer.MAX_VALUE - 8) {
      throw InvalidInputException.in(file, where + " of shape " + shape[0] + " x " + shape[1] + " is too large");
    }
    Object flat = dataset.getDataFlat();
    float[] values = new float[(int) (shape[0] * shape[1])];
    String dtype;
    if (flat instanceof float[] f) {
      System.arraycopy(f, 0, values, 0, values.length);
      dtype = "float32";
    } else if (flat instanceof double[] d) {
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) d[i]; // exact for float32 values stored widened, as h5py does with astype(float64)
      }
      dtype = "float64";
    } else if (flat instanceof int[] n) {
      for (int i = 0; i < values.length; i++) {
        values[i] = n[i];
      }
      dtype = "int32";
    } else if (flat instanceof long[] n) {
      for (int i = 0; i < values.length; i++) {
        values[i] = n[i];
      }
      dtype = "int64";
    } else {
      throw InvalidInputException.in(file, where + " holds " + dataset.getJavaType().getSimpleName()
          + " values; expected float32, float64, int32 or int64");
    }
    return new FeatureMatrix((int) shape[0], (int) shape[1], values, dtype);
  }

  /** Every dataset's path, for messages that say what the file does hold. */
  private static String datasetPaths(HdfFile hdf) {
    List<String> paths = new ArrayList<>();
    collect(hdf, paths);
    return paths.isEmpty() ? "none" : String.join(", ", paths);
  }

  private static void collect(Group group, List<String> paths) {
    for (Node child : group) {
      if (child instanceof Dataset) {
        paths.add(child.getPath().replaceFirst("^/", ""));
      } else if (child instanceof Group sub) {
        collect(sub, paths);
      }
    }
  }
}
