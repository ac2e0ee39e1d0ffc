package io.alignstream.extractor.hub;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model repository on the Hugging Face hub and a revision of it, as {@code --model} names it:
 * {@code org/name} (the {@code main} branch) or {@code org/name@revision} (a branch, a tag or a
 * 40-hex commit).
 *
 * @param repo {@code org/name}
 * @param revision branch, tag or commit
 */
public record HubModelId(String repo, String revision) {

  public static final String DEFAULT_REVISION = "main";
  /** The hub's repository names: letters, digits, '-', '_', '.'; no leading or trailing '-' or '.'. */
  private static final Pattern ID = Pattern.compile(
      "([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:@([A-Za-z0-9._/-]+))?");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  /** Whether a --model string has the shape of a hub id (it may still name no repository). */
  public static boolean looksLikeHubId(String model) {
    return ID.matcher(model).matches() && !model.contains("..") && !model.contains("--");
  }

  /**
   * Parses {@code org/name[@revision]}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static HubModelId parse(String model) {
    Matcher m = ID.matcher(model);
    if (!looksLikeHubId(model) || !m.matches()) {
      throw new IllegalArgumentException("'" + model + "' is not a hub model id org/name[@revision]");
    }
    return new HubModelId(m.group(1), m.group(2) == null ? DEFAULT_REVISION : m.group(2));
  }

  /** Whether the revision is a full commit hash (then no ref needs resolving). */
  public boolean revisionIsCommit() {
    return COMMIT.matcher(revision).matches();
  }

  /** The repository's folder name in the cache: {@code models--org--name}. */
  public String cacheFolderName() {
    return "models--" + repo.replace("/", "--");
  }

  @Override
  public String toString() {
    return repo + "@" + revision;
  }
}
