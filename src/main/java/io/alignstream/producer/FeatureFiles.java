package io.alignstream.producer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Reads a feature file by its extension: .npy, or text (.txt, .tsv, .csv). */
public final class FeatureFiles {

  private FeatureFiles() {}

  public static FeatureMatrix read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("feature file " + file + " does not exist or is not a file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".npy")) {
      return NpyReader.read(file);
    }
    if (name.endsWith(".txt") || name.endsWith(".tsv") || name.endsWith(".csv")) {
      return DelimitedFeatureReader.read(file);
    }
    if (name.endsWith(".h5") || name.endsWith(".hdf5")) {
      // No HDF5 library is available to this build (pure Java readers are not on the dependency list).
      throw InvalidInputException.in(file, "HDF5 files are not supported; convert the dataset to .npy, e.g. "
          + "python -c \"import h5py, numpy; numpy.save('features.npy', h5py.File('" + file.getFileName()
          + "', 'r')['features'][()])\" (use your dataset's name instead of 'features')");
    }
    if (name.endsWith(".npz")) {
      throw InvalidInputException.in(file, ".npz archives are not supported; save the array with numpy.save as .npy");
    }
    throw InvalidInputException.in(file, "unknown feature file type; use .npy, .txt, .tsv or .csv");
  }
}
