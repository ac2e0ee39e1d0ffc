package io.alignstream.extractor.vision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The module tree read from a TorchScript archive equals what PyTorch's {@code named_modules()}
 * lists for the same file (recorded in the test resources), paths, order and classes.
 */
class TorchScriptModulesTest {

  @ParameterizedTest
  @ValueSource(strings = {"vit", "resnet"})
  void theArchivesModulesAreThoseNamedModulesLists(String model) throws IOException {
    TorchScriptModules modules = TorchScriptModules.read(VisionFixtures.model(model).resolve("layers.pt"));

    assertThat(modules.modules()).extracting(m -> m.path() + " " + m.type())
        .containsExactlyElementsOf(reference(model));
  }

  @Test
  void aModuleIsFoundByItsPathOrItsPathBelowTheWrapper() {
    TorchScriptModules modules = TorchScriptModules.read(VisionFixtures.model("resnet").resolve("layers.pt"));

    assertThat(modules.find("maxpool")).hasValue(new TorchScriptModules.Module("model.maxpool", "MaxPool2d"));
    assertThat(modules.find("model.layer2.0.downsample")).map(TorchScriptModules.Module::type).hasValue("Sequential");
    assertThat(modules.find("layer9")).isEmpty();
  }

  @Test
  void aFileThatIsNoArchiveHasNoModules(@TempDir Path tmp) throws IOException {
    Path text = Files.writeString(tmp.resolve("notes.pt"), "not a zip");

    assertThat(TorchScriptModules.read(text).modules()).isEmpty();
  }

  private static List<String> reference(String model) throws IOException {
    try (InputStream in = TorchScriptModulesTest.class.getResourceAsStream("/vision/" + model + "-layers-pt-modules.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
    }
  }
}
