package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import org.junit.jupiter.api.Test;

/**
 * The wait policy reaches the C library's environment, where libgomp reads it (the JVM's
 * System.getenv is a copy taken at start), and a value the user set is kept. Whether libgomp then
 * sleeps instead of spinning is measured, not tested: docs/benchmarks.md.
 */
class OpenMpWaitPolicyTest {

  private static final NativeLibrary C = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);

  @Test
  void unsetBecomesPassiveAndAUsersValueIsKept() {
    String original = OpenMpWaitPolicy.nativeValue();
    Function setenv = C.getFunction("setenv");
    try {
      C.getFunction("unsetenv").invokeInt(new Object[] {OpenMpWaitPolicy.VARIABLE});
      assertThat(OpenMpWaitPolicy.nativeValue()).isNull();
      OpenMpWaitPolicy.passiveUnlessSet();
      assertThat(OpenMpWaitPolicy.nativeValue()).isEqualTo("PASSIVE");

      setenv.invokeInt(new Object[] {OpenMpWaitPolicy.VARIABLE, "ACTIVE", 1});
      OpenMpWaitPolicy.passiveUnlessSet();
      assertThat(OpenMpWaitPolicy.nativeValue()).isEqualTo("ACTIVE");
    } finally {
      if (original == null) {
        C.getFunction("unsetenv").invokeInt(new Object[] {OpenMpWaitPolicy.VARIABLE});
      } else {
        setenv.invokeInt(new Object[] {OpenMpWaitPolicy.VARIABLE, original, 1});
      }
    }
  }
}
