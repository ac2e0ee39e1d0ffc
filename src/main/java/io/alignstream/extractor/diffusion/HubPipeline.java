package io.alignstream.extractor.diffusion;

import io.alignstream.extractor.diffusion.checkpoint.ComponentFolder;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.hub.HubCache;
import io.alignstream.extractor.hub.HubClient;
import io.alignstream.extractor.hub.HubModelId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A diffusers pipeline repository ({@code model_index.json} at the top, one folder per
 * component, no subfolder argument) in the hub cache: found offline, or fetched with the files
 * this port reads and no others.
 */
final class HubPipeline {

  /**
   * The components {@link StableDiffusion} (SD 1.x / 2.x) and SD3 load, whichever a pipeline lists;
   * others (safety_checker, feature_extractor) are never fetched.
   */
  static final List<String> COMPONENTS = List.of("scheduler", "text_encoder", "text_encoder_2", "text_encoder_3",
      "tokenizer", "tokenizer_2", "tokenizer_3", "transformer", "unet", "vae");
  private static final List<String> TOKENIZER_FILES =
      List.of("vocab.json", "merges.txt", "special_tokens_map.json", "spiece.model");
  private static final Set<String> WEIGHTLESS = Set.of("scheduler", "tokenizer", "tokenizer_2", "tokenizer_3");

  /**
   * A pipeline snapshot in the cache.
   *
   * @param dir {@code snapshots/<commit>}
   * @param commit the commit
   */
  record Snapshot(Path dir, String commit) {}

  private HubPipeline() {}

  /**
   * The snapshot a revision stands for in the cache, without any network access.
   *
   * @throws IllegalArgumentException when the cache has no such repository, ref or snapshot
   */
  static Snapshot cached(HubCache cache, HubModelId id, String endpoint) {
    Path repo = cache.repoDir(id);
    String commit = cache.cachedCommit(id);
    String missing = !Files.isDirectory(repo) ? "no folder " + repo
        : commit == null ? "no ref " + repo.resolve("refs").resolve(id.revision())
        : !Files.isDirectory(cache.snapshot(id, commit)) ? "no snapshot " + cache.snapshot(id, commit)
        : null;
    if (missing != null) {
      throw new IllegalArgumentException(id + " is not in the hub cache " + cache.root() + " (" + missing
          + "); add --download to fetch it from " + endpoint + ", or point HF_HUB_CACHE (or HF_HOME, or --hub-cache) "
          + "at the cache that holds it");
    }
    return new Snapshot(cache.snapshot(id, commit), commit);
  }

  /**
   * Resolves the revision on the hub and fetches into the cache whatever of the pipeline it
   * lacks: model_index.json, then for each component this port loads its config files, tokenizer
   * files and one set of safetensors weights (the preferred variant, all shards of an index).
   */
  static Snapshot download(HubCache cache, HubClient client, HubModelId id, String variant) {
    HubClient.Revision revision = client.revision(id);
    String commit = revision.commit();
    cache.writeRef(id, commit);
    Set<String> files = new HashSet<>(revision.files());
    if (!files.contains("model_index.json")) {
      throw new IllegalArgumentException(id + " has no model_index.json: it is not a diffusers pipeline repository "
          + "(if it holds a single-file checkpoint, download that .safetensors file and pass its path)");
    }
    client.fetch(cache, id, commit, "model_index.json");
    Path dir = cache.snapshot(id, commit);
    Map<String, String> components = PipelineFolder.open(dir, variant).components();
    for (String component : COMPONENTS) {
      if (!components.containsKey(component)) {
        continue; // PipelineFolder names what is missing when the pipeline is opened
      }
      List<String> wanted = new ArrayList<>(ComponentFolder.configFileNames());
      wanted.addAll(TOKENIZER_FILES);
      for (String name : wanted) {
        if (files.contains(component + "/" + name)) {
          client.fetch(cache, id, commit, component + "/" + name);
        }
      }
      if (hasWeights(component)) {
        fetchWeights(cache, client, id, commit, component, files, variant);
      }
    }
    return new Snapshot(dir, commit);
  }

  /** Whether a component of {@link #COMPONENTS} has weight files. */
  static boolean hasWeights(String component) {
    return !WEIGHTLESS.contains(component);
  }

  private static void fetchWeights(HubCache cache, HubClient client, HubModelId id, String commit, String component,
      Set<String> files, String variant) {
    for (String name : ComponentFolder.weightFileNames(variant)) {
      String file = component + "/" + name;
      if (!files.contains(file)) {
        continue;
      }
      Path fetched = client.fetch(cache, id, commit, file);
      if (name.endsWith(".json")) {
        for (String shard : ComponentFolder.shardNames(fetched)) {
          client.fetch(cache, id, commit, component + "/" + shard);
        }
      }
      return;
    }
    throw new IllegalArgumentException(id + " has no safetensors weights for '" + component + "' (expected one of "
        + ComponentFolder.weightFileNames(variant) + "; PyTorch .bin pickles are never loaded)");
  }
}
