package io.alignstream.producer;

import java.util.Objects;

/**
 * One image of a dataset and the item it stands for.
 *
 * @param itemId the id triplets name the item by (THINGS uniqueID, synthetic concept id)
 * @param concept the concept text for TEXT conditioning ('_' becomes a space in the prompt)
 * @param imageId the image's identifier, its file name without folder
 * @param image where the encoded image comes from
 */
public record DatasetItem(String itemId, String concept, String imageId, ImageSource image) {

  public DatasetItem {
    requireText("item id", itemId);
    requireText("concept", concept);
    requireText("image id", imageId);
    if (imageId.indexOf('@') >= 0) {
      // '@' separates the image id from the settings digest in request keys.
      throw new IllegalArgumentException("image id '" + imageId + "' must not contain '@'");
    }
    Objects.requireNonNull(image, "image");
  }

  /** The encoded image (read from disk for file-backed items). */
  public byte[] imageBytes() {
    return image.read();
  }

  private static void requireText(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }
}
