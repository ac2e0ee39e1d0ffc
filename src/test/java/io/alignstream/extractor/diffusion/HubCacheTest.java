package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.extractor.CheckpointOptions;
import io.alignstream.extractor.ModelOrigin;
import io.alignstream.extractor.diffusion.checkpoint.CheckpointException;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.diffusion.checkpoint.SafetensorsFile;
import io.alignstream.extractor.hub.HubSettings;
import io.alignstream.extractor.nn.Placement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model org/name[@revision]} against a Hugging Face hub cache laid out here by hand,
 * exactly as huggingface_hub writes it, around the shared tiny-sd2 pipeline: refs, snapshots of
 * relative symlinks into blobs named by sha256 (LFS) or git sha1; offline, no server anywhere.
 */
class HubCacheTest {

  static final String REPO = "tiny-org/tiny-sd2";

  /** Lays out {@code models--tiny-org--tiny-sd2} with refs/main -> COMMIT; returns the cache root. */
  static Path layOutCache(Path root) throws IOException {
    Path repo = root.resolve("models--tiny-org--tiny-sd2");
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), LocalHub.COMMIT, StandardCharsets.UTF_8);
    for (Map.Entry<String, byte[]> f : LocalHub.filesOf(Fixtures.tinySd2()).entrySet()) {
      String etag = LocalHub.lfs(f.getKey()) ? LocalHub.sha256(f.getValue()) : LocalHub.gitSha1(f.getValue());
      Files.createDirectories(repo.resolve("blobs"));
      Files.write(repo.resolve("blobs").resolve(etag), f.getValue());
      Path pointer = repo.resolve("snapshots").resolve(LocalHub.COMMIT).resolve(f.getKey());
      Files.createDirectories(pointer.getParent());
      // snapshots/<commit>/a/b -> ../../../blobs/<etag>: one ".." per folder below the repository folder
      int depth = f.getKey().split("/").length + 1;
      Files.createSymbolicLink(pointer, Path.of("../".repeat(depth) + "blobs/" + etag));
    }
    return root;
  }

  private static CheckpointOptions offline(Path cache) {
    return new CheckpointOptions(false, null, null, new HubSettings(cache, "http://127.0.0.1:9", null, false));
  }

  @Test
  void aHubIdResolvesToItsCachedSnapshotAndRecordsTheCommitAndSha256s(@TempDir Path tmp) throws IOException {
    Path cache = layOutCache(tmp.resolve("hub"));
    PipelineFolder folder = PipelineFolder.open(Fixtures.tinySd2());
    for (String model : new String[] {REPO, REPO + "@main", REPO + "@" + LocalHub.COMMIT}) {
      PipelineReference ref = PipelineReference.resolve(model, tmp, 0, offline(cache));
      assertThat(ref.name()).isEqualTo("tiny-sd2");
      assertThat(ref.source()).isEqualTo("hf:" + REPO + "@" + LocalHub.COMMIT);
      ModelOrigin origin = ref.origin();
      assertThat(origin.kind()).isEqualTo("hub");
      assertThat(origin.hubRepo()).isEqualTo(REPO);
      assertThat(origin.hubCommit()).isEqualTo(LocalHub.COMMIT);
      byte[] unet = Files.readAllBytes(Fixtures.tinySd2().resolve("unet/diffusion_pytorch_model.safetensors"));
      assertThat(origin.fileDigests()).hasSize(3)
          .containsEntry("unet/diffusion_pytorch_model.safetensors", "sha256:" + LocalHub.sha256(unet));
    }
    // a folder named by a file: URI (as model requests carry it) is the same folder
    PipelineReference byUri = PipelineReference.resolve(Fixtures.tinySd2().toUri().toString(), tmp, 0, offline(cache));
    assertThat(byUri.source()).isEqualTo(Fixtures.tinySd2().toAbsolutePath().normalize().toString());
    PipelineReference ref = PipelineReference.resolve(REPO, tmp, 0, offline(cache));
    try (StableDiffusion sd = ref.open(Placement.cpu())) {
      // the same files as the folder: the same digests
      assertThat(sd.weightsDigest()).isEqualTo(folder.weightsDigest("text_encoder", "unet", "vae"));
      assertThat(sd.configDigest()).isEqualTo(folder.configDigest());
    }
  }

  @Test
  void theFeaturesCommandReadsAHubIdFromTheCacheThatHubCacheNames(@TempDir Path tmp) throws IOException {
    Path cache = layOutCache(tmp.resolve("hub"));
    Path fixtures = Fixtures.dir();
    Path out = tmp.resolve("out.safetensors");
    String[] argv = {"features", "--model", REPO, "--hub-cache", cache.toString(), "--model-cache", tmp.toString(),
        "--image", fixtures.resolve("input_image_0.png").toString(), "--timestep", "500", "--taps", "Mid",
        "--out", out.toString()};
    var cli = io.alignstream.Alignstream.commandLine(argv);
    java.io.StringWriter err = new java.io.StringWriter();
    cli.setErr(new java.io.PrintWriter(err, true));
    assertThat(cli.execute(argv)).as(err.toString()).isZero();
    try (SafetensorsFile written = SafetensorsFile.open(out)) {
      assertThat(written.metadata().get("model_source")).isEqualTo(
          cache.resolve("models--tiny-org--tiny-sd2/snapshots/" + LocalHub.COMMIT).toAbsolutePath().toString());
      assertThat(written.metadata().get("model_origin")).contains("\"hubCommit\":\"" + LocalHub.COMMIT + "\"");
    }
  }

  @Test
  void whatTheCacheLacksIsAnErrorThatNamesTheCacheAndDownload(@TempDir Path tmp) throws IOException {
    Path cache = layOutCache(tmp.resolve("hub"));
    assertThatThrownBy(() -> PipelineReference.resolve("tiny-org/other", tmp, 0, offline(cache)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not in the hub cache " + cache)
        .hasMessageContaining("models--tiny-org--other")
        .hasMessageContaining("--download");
    assertThatThrownBy(() -> PipelineReference.resolve(REPO + "@v2", tmp, 0, offline(cache)))
        .hasMessageContaining("no ref " + cache.resolve("models--tiny-org--tiny-sd2/refs/v2"));
    // a snapshot with a component's weights not yet fetched
    Files.delete(cache.resolve("models--tiny-org--tiny-sd2/snapshots/" + LocalHub.COMMIT
        + "/unet/diffusion_pytorch_model.safetensors"));
    assertThatThrownBy(() -> PipelineReference.resolve(REPO, tmp, 0, offline(cache)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("component 'unet'")
        .hasMessageContaining("add --download to fetch the missing ones");
  }

  @Test
  void theEnvironmentNamesTheCacheAsHuggingfaceHubDoes() {
    assertThat(HubSettings.fromEnvironment(Map.of(), "/home/u").cache()).isEqualTo(Path.of("/home/u/.cache/huggingface/hub"));
    assertThat(HubSettings.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x"), "/home/u").cache())
        .isEqualTo(Path.of("/x/huggingface/hub"));
    assertThat(HubSettings.fromEnvironment(Map.of("HF_HOME", "/hf", "XDG_CACHE_HOME", "/x"), "/home/u").cache())
        .isEqualTo(Path.of("/hf/hub"));
    assertThat(HubSettings.fromEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/hf"), "/home/u").cache())
        .isEqualTo(Path.of("/c"));
    HubSettings mirror = HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.com/", "HF_TOKEN",
        "hf_x "), "/home/u");
    assertThat(mirror.endpoint()).isEqualTo("https://hf-mirror.com");
    assertThat(mirror.token()).isEqualTo("hf_x");
    assertThat(mirror.toString()).doesNotContain("hf_x");
    assertThat(HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1"), "/home/u").offline()).isTrue();
  }
}
