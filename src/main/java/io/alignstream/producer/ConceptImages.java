package io.alignstream.producer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The images of a concept list found in a folder named by uniqueID. Two layouts, also mixed:
 * flat files {@code <uniqueID>.png|jpg|jpeg} (the emoji set) and THINGS' sub-folders
 * {@code <uniqueID>/<uniqueID>_01b.jpg ...}. A THINGS root holding {@code object_images/} is
 * also accepted. Per concept the first {@code imagesPerConcept} images in sorted file-name
 * order are taken (THINGS' {@code _01b} image first); 0 takes all.
 *
 * @param folder the folder scanned
 * @param images the images taken, in concept order, then file-name order
 * @param conceptsWithImages uniqueIDs that have at least one image, in concept order
 * @param ignored entries of the folder that name no concept, or are not images
 */
public record ConceptImages(Path folder, List<ConceptImage> images, Set<String> conceptsWithImages,
    List<String> ignored) {

  private static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg");

  /**
   * @param conceptIndex row in the concept list
   * @param conceptId the concept's uniqueID
   * @param file the image file
   */
  public record ConceptImage(int conceptIndex, String conceptId, Path file) {
    /** The image id: the file name without folder. */
    public String imageId() {
      return file.getFileName().toString();
    }
  }

  public ConceptImages {
    images = List.copyOf(images);
    conceptsWithImages = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(conceptsWithImages));
    ignored = List.copyOf(ignored);
  }

  public static ConceptImages scan(Path folder, ConceptList concepts, int imagesPerConcept) {
    if (imagesPerConcept < 0) {
      throw new IllegalArgumentException("images per concept must be >= 0 (0 = all), got " + imagesPerConcept);
    }
    if (!Files.isDirectory(folder)) {
      throw new InvalidInputException("image folder " + folder + " does not exist or is not a folder");
    }
    Path root = Files.isDirectory(folder.resolve("object_images")) ? folder.resolve("object_images") : folder;
    // concept index -> file name -> file, so both the concept order and the file order are sorted.
    TreeMap<Integer, TreeMap<String, Path>> found = new TreeMap<>();
    List<String> ignored = new ArrayList<>();
    for (Path entry : list(root)) {
      String name = entry.getFileName().toString();
      if (Files.isDirectory(entry)) {
        int index = concepts.indexOf(name);
        if (index < 0) {
          ignored.add(name + "/");
          continue;
        }
        for (Path file : list(entry)) {
          if (Files.isRegularFile(file) && isImage(file.getFileName().toString())) {
            found.computeIfAbsent(index, k -> new TreeMap<>()).put(file.getFileName().toString(), file);
          }
        }
      } else {
        int index = isImage(name) ? concepts.indexOf(stem(name)) : -1;
        if (index < 0) {
          ignored.add(name);
          continue;
        }
        found.computeIfAbsent(index, k -> new TreeMap<>()).put(name, entry);
      }
    }
    if (found.isEmpty()) {
      throw new InvalidInputException("no images named by the concept list's uniqueIDs in " + root
          + " (expected <uniqueID>.png|jpg|jpeg or <uniqueID>/<uniqueID>_01b.jpg)");
    }
    List<ConceptImage> images = new ArrayList<>();
    Set<String> withImages = new LinkedHashSet<>();
    java.util.Map<String, String> conceptByImageId = new java.util.HashMap<>();
    found.forEach((index, files) -> {
      String id = concepts.id(index);
      withImages.add(id);
      int taken = 0;
      for (Path file : files.values()) {
        if (imagesPerConcept > 0 && taken == imagesPerConcept) {
          break;
        }
        ConceptImage image = new ConceptImage(index, id, file);
        // The image id is the request key's first half: two images with one id would overwrite each other.
        String other = conceptByImageId.putIfAbsent(image.imageId(), id);
        if (other != null) {
          throw new InvalidInputException("image file name " + image.imageId() + " is used by concepts '" + other
              + "' and '" + id + "' in " + root + "; image ids (file names) must be unique");
        }
        images.add(image);
        taken++;
      }
    });
    return new ConceptImages(root, images, withImages, ignored);
  }

  /** The images as dataset items: item id and concept are the uniqueID, image id the file name. */
  public List<DatasetItem> items() {
    List<DatasetItem> items = new ArrayList<>(images.size());
    for (ConceptImage image : images) {
      items.add(new DatasetItem(image.conceptId(), image.conceptId(), image.imageId(), ImageSource.ofFile(image.file())));
    }
    return items;
  }

  static boolean isImage(String fileName) {
    int dot = fileName.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static String stem(String fileName) {
    return fileName.substring(0, fileName.lastIndexOf('.'));
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    } catch (IOException e) {
      throw new InvalidInputException("cannot list image folder " + dir + ": " + e.getMessage(), e);
    }
  }
}
