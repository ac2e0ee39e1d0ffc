package io.alignstream.producer;

/** Run in a separate JVM by SyntheticDatasetTest: prints the SHA-256 of every synthetic image. */
public final class SyntheticImageDigests {

  private SyntheticImageDigests() {}

  public static void main(String[] args) throws Exception {
    SyntheticSpec spec = SyntheticSpec.defaults().withSeed(Long.parseLong(args[0]));
    System.out.print(digests(SyntheticDataset.generate(spec).dataset()));
  }

  static String digests(Dataset dataset) throws Exception {
    StringBuilder out = new StringBuilder();
    for (DatasetItem item : dataset.items()) {
      out.append(item.imageId()).append(' ').append(SyntheticDatasetTest.sha256(item.imageBytes())).append('\n');
    }
    return out.toString();
  }
}
