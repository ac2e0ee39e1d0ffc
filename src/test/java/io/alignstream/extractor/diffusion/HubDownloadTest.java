package io.alignstream.extractor.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.extractor.CheckpointOptions;
import io.alignstream.extractor.diffusion.checkpoint.PipelineFolder;
import io.alignstream.extractor.hub.HubException;
import io.alignstream.extractor.hub.HubSettings;
import io.alignstream.extractor.nn.Placement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --download}: the tiny-sd2 pipeline fetched from a local server that plays the hub's
 * endpoints, into huggingface_hub's cache layout, with only the files the pipeline needs, resumed
 * after a cut connection and from a partial file, verified against the announced checksums.
 */
class HubDownloadTest {

  private static final String REPO = HubCacheTest.REPO;
  private static final String TOKEN = "hf_local_test_token";
  private static final String UNET = "unet/diffusion_pytorch_model.safetensors";
  private static final String TEXT = "text_encoder/model.safetensors";

  /** tiny-sd2 plus what a real repository also holds but the pipeline never needs. */
  private static Map<String, byte[]> repository() throws IOException {
    Map<String, byte[]> files = new TreeMap<>(LocalHub.filesOf(Fixtures.tinySd2()));
    files.put("unet/diffusion_pytorch_model.bin", "a pickle".getBytes(StandardCharsets.UTF_8));
    files.put("unet/diffusion_pytorch_model.fp16.safetensors", "fp16 weights".getBytes(StandardCharsets.UTF_8));
    files.put("safety_checker/model.safetensors", "not needed".getBytes(StandardCharsets.UTF_8));
    files.put("README.md", "# tiny".getBytes(StandardCharsets.UTF_8));
    return files;
  }

  private static CheckpointOptions download(Path cache, LocalHub hub, String token, String variant) {
    return new CheckpointOptions(true, null, variant, new HubSettings(cache, hub.endpoint(), token, false));
  }

  private static Path repoDir(Path cache) {
    return cache.resolve("models--tiny-org--tiny-sd2");
  }

  @Test
  void fetchesOnlyThePipelinesFilesIntoTheCacheLayoutResumingCutAndPartialDownloads(@TempDir Path tmp)
      throws IOException {
    Map<String, byte[]> files = repository();
    Path cache = tmp.resolve("hub");
    try (LocalHub hub = new LocalHub(REPO, files, Set.of())) {
      hub.requireToken(TOKEN);
      hub.cutOnce(UNET);
      // a download an earlier process left half done
      byte[] text = files.get(TEXT);
      Path partial = repoDir(cache).resolve("blobs").resolve(hub.etag(TEXT) + ".incomplete");
      Files.createDirectories(partial.getParent());
      Files.write(partial, Arrays.copyOf(text, text.length / 2));

      PipelineReference ref = PipelineReference.resolve(REPO, tmp, 0, download(cache, hub, TOKEN, null));
      assertThat(ref.origin().hubCommit()).isEqualTo(LocalHub.COMMIT);
      assertThat(ref.origin().fileDigests()).containsEntry(UNET, "sha256:" + LocalHub.sha256(files.get(UNET)));

      List<String> requests = hub.requests();
      assertThat(requests).noneMatch(r -> r.contains("safety_checker") || r.contains(".bin") || r.contains(".fp16.")
          || r.contains("README"));
      // the cut transfer resumes from what arrived (up to half: the server sent half, then dropped the connection)
      int unetLength = files.get(UNET).length;
      assertThat(requests).contains("GET /cdn/" + UNET, "GET /cdn/" + TEXT + " bytes=" + text.length / 2 + "-");
      assertThat(requests).filteredOn(r -> r.startsWith("GET /cdn/" + UNET + " bytes=")).singleElement()
          .satisfies(r -> assertThat(Long.parseLong(r.replaceAll(".*bytes=(\\d+)-.*", "$1")))
              .isPositive().isLessThanOrEqualTo(unetLength / 2));
      assertThat(requests).filteredOn(r -> r.startsWith("GET /cdn/")).noneMatch(r -> r.endsWith("auth"))
          .as("the token is not sent beyond the hub's own endpoints")
          .isNotEmpty();

      // the layout huggingface_hub writes: refs, relative links to blobs named by their checksums
      assertThat(Files.readString(repoDir(cache).resolve("refs/main"))).isEqualTo(LocalHub.COMMIT);
      Path snapshot = repoDir(cache).resolve("snapshots").resolve(LocalHub.COMMIT);
      for (String f : LocalHub.filesOf(Fixtures.tinySd2()).keySet()) {
        Path pointer = snapshot.resolve(f);
        assertThat(Files.isSymbolicLink(pointer)).as(f).isTrue();
        assertThat(Files.readSymbolicLink(pointer).toString()).as(f)
            .isEqualTo("../".repeat(f.split("/").length + 1) + "blobs/" + hub.etag(f));
        assertThat(Files.readAllBytes(pointer)).as(f).isEqualTo(files.get(f));
      }
      try (Stream<Path> blobs = Files.list(repoDir(cache).resolve("blobs"))) {
        assertThat(blobs.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".incomplete"));
      }

      // everything present: a second --download only asks which commit main is
      int before = hub.requests().size();
      PipelineReference.resolve(REPO, tmp, 0, download(cache, hub, TOKEN, null));
      assertThat(hub.requests().subList(before, hub.requests().size()))
          .containsExactly("GET /api/models/" + REPO + "/revision/main auth");

      // and offline, the cache alone serves the pipeline, the folder's weights exactly
      PipelineReference offline = PipelineReference.resolve(REPO, tmp, 0,
          download(cache, hub, null, null).withDownload(false));
      try (StableDiffusion sd = offline.open(Placement.cpu())) {
        assertThat(sd.weightsDigest())
            .isEqualTo(PipelineFolder.open(Fixtures.tinySd2()).weightsDigest("text_encoder", "unet", "vae"));
      }
    }
  }

  @Test
  void twoLoadersFetchingTheSameModelAtOnceDownloadEachBlobOnce(@TempDir Path tmp) throws Exception {
    Path cache = tmp.resolve("hub");
    try (LocalHub hub = new LocalHub(REPO, repository(), Set.of())) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        List<java.util.concurrent.Future<PipelineReference>> loads = pool.invokeAll(List.of(
            () -> PipelineReference.resolve(REPO, tmp, 0, download(cache, hub, null, null)),
            () -> PipelineReference.resolve(REPO, tmp, 0, download(cache, hub, null, null))));
        for (var load : loads) {
          assertThat(load.get().origin().hubCommit()).isEqualTo(LocalHub.COMMIT);
        }
      } finally {
        pool.shutdownNow();
      }
      for (String weights : List.of(UNET, TEXT, "vae/diffusion_pytorch_model.safetensors")) {
        assertThat(hub.requests()).as(weights).filteredOn(r -> r.startsWith("GET /cdn/" + weights)).hasSize(1);
      }
      assertThat(Files.readAllBytes(repoDir(cache).resolve("snapshots").resolve(LocalHub.COMMIT).resolve(UNET)))
          .isEqualTo(LocalHub.filesOf(Fixtures.tinySd2()).get(UNET));
    }
  }

  @Test
  void theFp16VariantIsFetchedInsteadOfTheFullWeightsWhenAsked(@TempDir Path tmp) throws IOException {
    Path cache = tmp.resolve("hub");
    try (LocalHub hub = new LocalHub(REPO, repository(), Set.of())) {
      PipelineReference ref = PipelineReference.resolve(REPO, tmp, 0, download(cache, hub, null, "fp16"));
      assertThat(hub.requests()).anyMatch(r -> r.startsWith("GET /cdn/unet/diffusion_pytorch_model.fp16.safetensors"))
          .noneMatch(r -> r.startsWith("GET /cdn/" + UNET))
          .anyMatch(r -> r.startsWith("GET /cdn/" + TEXT)); // no fp16 text encoder: the full one
      assertThat(ref.origin().variant()).isEqualTo("fp16");
      assertThat(ref.origin().fileDigests()).containsKey("unet/diffusion_pytorch_model.fp16.safetensors");
    }
  }

  @Test
  void aFileWhoseBytesDoNotHashToTheAnnouncedSha256IsDeletedAndNotLinked(@TempDir Path tmp) throws IOException {
    Path cache = tmp.resolve("hub");
    String vae = "vae/diffusion_pytorch_model.safetensors";
    try (LocalHub hub = new LocalHub(REPO, repository(), Set.of(vae))) {
      assertThatThrownBy(() -> PipelineReference.resolve(REPO, tmp, 0, download(cache, hub, null, null)))
          .isInstanceOf(HubException.class)
          .hasMessageContaining("checksum mismatch")
          .hasMessageContaining(hub.etag(vae));
      Path blobs = repoDir(cache).resolve("blobs");
      assertThat(blobs.resolve(hub.etag(vae))).doesNotExist();
      assertThat(blobs.resolve(hub.etag(vae) + ".incomplete")).doesNotExist();
      assertThat(repoDir(cache).resolve("snapshots").resolve(LocalHub.COMMIT).resolve(vae)).doesNotExist();
    }
  }

  @Test
  void aResolveAnswerForAnotherCommitIsRefused(@TempDir Path tmp) throws IOException {
    try (LocalHub hub = new LocalHub(REPO, repository(), Set.of())) {
      hub.announceCommit("f".repeat(40));
      assertThatThrownBy(() -> PipelineReference.resolve(REPO, tmp, 0, download(tmp.resolve("hub"), hub, null, null)))
          .isInstanceOf(HubException.class)
          .hasMessageContaining("answered for commit " + "f".repeat(40) + ", not the requested " + LocalHub.COMMIT);
    }
  }

  @Test
  void aGatedRepositoryWithoutATokenSaysToSetHfToken(@TempDir Path tmp) throws IOException {
    try (LocalHub hub = new LocalHub(REPO, repository(), Set.of())) {
      hub.requireToken(TOKEN);
      assertThatThrownBy(() -> PipelineReference.resolve(REPO, tmp, 0, download(tmp.resolve("hub"), hub, null, null)))
          .isInstanceOf(HubException.class)
          .hasMessageContaining("HTTP 401, GatedRepo")
          .hasMessageContaining("set HF_TOKEN");
      assertThatThrownBy(() -> PipelineReference.resolve(REPO, tmp, 0,
          download(tmp.resolve("hub"), hub, "hf_wrong", null)))
          .hasMessageContaining("the token given was refused");
    }
  }
}
