package io.alignstream.producer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Reads a feature file by its extension: .npy, HDF5 (.h5, .hdf5), or text (.txt, .tsv, .csv). */
public final class FeatureFiles {

  private FeatureFiles() {}

  /** Reads {@code file}; an HDF5 file's dataset is thingsvision's {@code features}. */
  public static FeatureMatrix read(Path file) {
    return read(file, null);
  }

  /**
   * Reads {@code file}.
   *
   * @param datasetPath the HDF5 dataset to read, e.g. {@code model/layer/features}; null for
   *     thingsvision's {@code features}. Only HDF5 files have datasets, so it is refused for others.
   */
  public static FeatureMatrix read(Path file, String datasetPath) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("feature file " + file + " does not exist or is not a file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean hdf5 = isHdf5(file);
    if (datasetPath != null && !hdf5) {
      throw InvalidInputException.in(file, "--dataset-path " + datasetPath + " applies to HDF5 files (.h5, .hdf5) only");
    }
    if (hdf5) {
      return Hdf5FeatureReader.read(file, datasetPath);
    }
    if (name.endsWith(".npy")) {
      return NpyReader.read(file);
    }
    if (name.endsWith(".txt") || name.endsWith(".tsv") || name.endsWith(".csv")) {
      return DelimitedFeatureReader.read(file);
    }
    if (name.endsWith(".npz")) {
      throw InvalidInputException.in(file, ".npz archives are not supported; save the array with numpy.save as .npy");
    }
    throw InvalidInputException.in(file, "unknown feature file type; use .npy, .h5, .hdf5, .txt, .tsv or .csv");
  }

  /** Whether {@code file} is HDF5 by its extension. */
  public static boolean isHdf5(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".h5") || name.endsWith(".hdf5");
  }
}
