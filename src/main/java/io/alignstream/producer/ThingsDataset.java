package io.alignstream.producer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A THINGS-style dataset in memory: the concept list, the images found for it, and the
 * responses whose three concepts all have an image (a response about a concept without an
 * image could never be scored). For the emoji demo:
 *
 * <pre>{@code
 * ThingsDataset things = ThingsDataset.load(conceptsTsv, emojiFolder, tripletFile)
 *     .restrictTo(EmojiMapping.reliableConcepts(mappingTsv));
 * requests.publish(things.dataset("things"), settings);
 * triplets.publish(things.dataset("things"));
 * }</pre>
 *
 * @param triplets responses kept, in file order
 * @param tripletsDropped responses dropped because a concept has no image (or was excluded)
 */
public record ThingsDataset(ConceptList concepts, ConceptImages images, List<TripletResponse> triplets,
    long tripletsDropped) {

  public ThingsDataset {
    triplets = List.copyOf(triplets);
  }

  /**
   * Reads the concept list, the first image per concept, and (when {@code tripletFile} is not
   * null) the triplets in either format, keeping those whose concepts all have an image.
   * Triplet ids are {@code things:<file name>:<line>}.
   */
  public static ThingsDataset load(Path conceptsFile, Path imageFolder, Path tripletFile) {
    ConceptList concepts = ConceptList.read(conceptsFile);
    ConceptImages images = ConceptImages.scan(imageFolder, concepts, 1);
    List<TripletResponse> kept = new ArrayList<>();
    long[] dropped = {0};
    if (tripletFile != null) {
      Set<String> withImages = images.conceptsWithImages();
      new TripletFileReader(concepts, TripletFormat.AUTO, DatasetKind.THINGS.label()).read(tripletFile, response -> {
        if (withImages.containsAll(response.items())) {
          kept.add(response);
        } else {
          dropped[0]++;
        }
      });
    }
    return new ThingsDataset(concepts, images, kept, dropped[0]);
  }

  /** Only the given concepts: their images, and the responses about them alone. */
  public ThingsDataset restrictTo(Set<String> keep) {
    List<ConceptImages.ConceptImage> images = this.images.images().stream()
        .filter(image -> keep.contains(image.conceptId())).toList();
    Set<String> withImages = new LinkedHashSet<>();
    images.forEach(image -> withImages.add(image.conceptId()));
    List<TripletResponse> kept = triplets.stream().filter(t -> withImages.containsAll(t.items())).toList();
    return new ThingsDataset(concepts,
        new ConceptImages(this.images.folder(), images, withImages, this.images.ignored()),
        kept, tripletsDropped + (triplets.size() - kept.size()));
  }

  /** As a publishable dataset named {@code name}. */
  public Dataset dataset(String name) {
    return new Dataset(name, images.items(), triplets);
  }
}
