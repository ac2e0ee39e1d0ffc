package io.alignstream.producer;

import java.util.List;

/**
 * One human (or simulated) odd-one-out response.
 *
 * @param tripletId unique id of this response, e.g. {@code things:triplets.txt:17} or {@code synthetic:4}
 * @param items the three item ids in the order presented
 * @param oddOneOut position (0, 1, 2) in {@code items} of the item chosen as the odd one out
 * @param subject subject or worker id, or null when unknown
 */
public record TripletResponse(String tripletId, List<String> items, int oddOneOut, String subject) {

  public TripletResponse {
    if (tripletId == null || tripletId.isBlank()) {
      throw new IllegalArgumentException("triplet id must not be blank");
    }
    items = List.copyOf(items);
    if (items.size() != 3) {
      throw new IllegalArgumentException("triplet " + tripletId + " must have exactly 3 items, has " + items.size());
    }
    if (oddOneOut < 0 || oddOneOut > 2) {
      throw new IllegalArgumentException("triplet " + tripletId + ": odd one out must be 0, 1 or 2, was " + oddOneOut);
    }
  }

  /** The id of the item chosen as the odd one out. */
  public String oddItem() {
    return items.get(oddOneOut);
  }
}
