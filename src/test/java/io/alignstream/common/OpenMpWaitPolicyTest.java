package io.alignstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wait settings reach the C library's environment, where libgomp reads them (the JVM's
 * System.getenv is a copy taken at start), and a value the user set is kept. How libgomp then
 * waits is measured, not tested: docs/benchmarks.md.
 */
class OpenMpWaitPolicyTest {

  private static final NativeLibrary C = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
  private static final String POLICY = OpenMpWaitPolicy.VARIABLE;
  private static final String SPIN = OpenMpWaitPolicy.SPIN_VARIABLE;

  private Map<String, String> original;

  @BeforeEach
  void clear() {
    original = OpenMpWaitPolicy.settings();
    unset(POLICY);
    unset(SPIN);
  }

  @AfterEach
  void restore() {
    unset(POLICY);
    unset(SPIN);
    original.forEach(OpenMpWaitPolicyTest::set);
  }

  @Test
  void unsetBecomesPassiveAfterAShortSpin() {
    OpenMpWaitPolicy.setDefaultsUnlessSet();
    assertThat(OpenMpWaitPolicy.settings()).containsExactly(Map.entry(POLICY, "PASSIVE"), Map.entry(SPIN, "3000"));
    assertThat(OpenMpWaitPolicy.passive()).isTrue();
  }

  @Test
  void aUsersPassivePolicyGetsTheShortSpinAndAUsersSpinCountIsKept() {
    set(POLICY, "passive");
    OpenMpWaitPolicy.setDefaultsUnlessSet();
    assertThat(OpenMpWaitPolicy.settings()).containsExactly(Map.entry(POLICY, "passive"), Map.entry(SPIN, "3000"));

    set(SPIN, "0");
    OpenMpWaitPolicy.setDefaultsUnlessSet();
    assertThat(OpenMpWaitPolicy.settings()).containsExactly(Map.entry(POLICY, "passive"), Map.entry(SPIN, "0"));
  }

  @Test
  void anActivePolicyIsLeftToSpinAsItDoes() {
    set(POLICY, "ACTIVE");
    OpenMpWaitPolicy.setDefaultsUnlessSet();
    assertThat(OpenMpWaitPolicy.settings()).containsExactly(Map.entry(POLICY, "ACTIVE"));
    assertThat(OpenMpWaitPolicy.passive()).isFalse();
  }

  private static void set(String variable, String value) {
    C.getFunction("setenv").invokeInt(new Object[] {variable, value, 1});
  }

  private static void unset(String variable) {
    C.getFunction("unsetenv").invokeInt(new Object[] {variable});
  }
}
