package io.alignstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import io.alignstream.common.OpenMpWaitPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bench peer's OpenMP threads wait as this process's do: it gets the wait settings as they are
 * in this process's C environment (where {@code main} sets them), not the JVM's copy of the
 * environment taken before. The peer here is a shell that answers with what it was given.
 */
class PeerProcessTest {

  private static final NativeLibrary C = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);

  @Test
  void thePeerGetsTheWaitSettingsOfTheCEnvironment() {
    String spin = OpenMpWaitPolicy.settings().get(OpenMpWaitPolicy.SPIN_VARIABLE);
    System.getenv(); // the JVM takes its copy of the environment at the first use: before the change, as in main
    C.getFunction("setenv").invokeInt(new Object[] {OpenMpWaitPolicy.SPIN_VARIABLE, "1234", 1});
    try (ExtractorBench.PeerProcess peer = ExtractorBench.PeerProcess.start("test peer", List.of("sh", "-c",
        "read request; printf '{\"policy\":\"%s\",\"spin\":\"%s\"}\\n' \"$OMP_WAIT_POLICY\" \"$GOMP_SPINCOUNT\""))) {
      ObjectNode answer = peer.measure();
      assertThat(answer.get("spin").asText()).isEqualTo("1234");
      assertThat(answer.get("policy").asText()).isEqualTo(OpenMpWaitPolicy.settings().get(OpenMpWaitPolicy.VARIABLE));
    } finally {
      if (spin == null) {
        C.getFunction("unsetenv").invokeInt(new Object[] {OpenMpWaitPolicy.SPIN_VARIABLE});
      } else {
        C.getFunction("setenv").invokeInt(new Object[] {OpenMpWaitPolicy.SPIN_VARIABLE, spin, 1});
      }
    }
  }
}
