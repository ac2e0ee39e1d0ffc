package io.alignstream.common;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How PyTorch's OpenMP threads wait for work, unless the user chose otherwise: they spin for
 * about 30 microseconds, then sleep.
 *
 * <ul>
 *   <li>Sleeping at once ({@code OMP_WAIT_POLICY=PASSIVE} alone) makes every parallel operator
 *       wake its threads from sleep. On a machine whose cores idle between operators that wake-up
 *       costs more than the operator: the vision fixtures ran 1.3-2x slower on two threads than
 *       with a short spin, and took more CPU time, not less (docs/benchmarks.md).
 *   <li>libgomp's own default spins for about 3 ms, and {@code ACTIVE} indefinitely: on cores busy
 *       with other processes the spinning threads wait for descheduled siblings and burn several
 *       times the CPU of the work itself.
 *   <li>A short spin bridges the gaps between the operators of one forward and sleeps between
 *       batches. Beside busier processes each wait costs up to its 30 us: 1.1-1.2x the CPU of a
 *       ResNet forward in the measurement; {@code --threads 1} has no waits at all.
 * </ul>
 *
 * <p>libgomp reads both variables from the process environment once, when the library is loaded,
 * and offers no call to change them later. The JVM's environment is fixed at start and {@link
 * System#getenv()} is a copy, so this sets them in the C library's environment (through JNA, which
 * DJL already brings) before any PyTorch native library loads: it must run first thing in {@code
 * main}. See docs/platform.md.
 */
public final class OpenMpWaitPolicy {

  public static final String VARIABLE = "OMP_WAIT_POLICY";
  public static final String PASSIVE = "PASSIVE";
  /** Spin iterations before a waiting thread sleeps; libgomp counts about 100,000 per millisecond. */
  public static final String SPIN_VARIABLE = "GOMP_SPINCOUNT";
  /** About 30 us: the knee of the measured curve (300 gained nothing, 1,000 part, 3,000 to 30,000 the same). */
  public static final String SHORT_SPIN = "3000";

  private static final NativeLibrary C = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);

  private OpenMpWaitPolicy() {}

  /**
   * Sets OMP_WAIT_POLICY=PASSIVE unless it is set already, and then, when the policy is PASSIVE,
   * GOMP_SPINCOUNT to the short spin unless it is set already (a spin count replaces the policy's:
   * it is not added to an ACTIVE one the user chose).
   */
  public static void setDefaultsUnlessSet() {
    C.getFunction("setenv").invokeInt(new Object[] {VARIABLE, PASSIVE, 0}); // 0: keep a value the user set
    if (passive()) {
      C.getFunction("setenv").invokeInt(new Object[] {SPIN_VARIABLE, SHORT_SPIN, 0});
    }
  }

  /** Whether waiting threads end up asleep: the policy as native code will read it is PASSIVE. */
  public static boolean passive() {
    return PASSIVE.equalsIgnoreCase(nativeValue(VARIABLE));
  }

  /** Both variables as native code (libgomp) will read them, those that are set (bench lines print them). */
  public static Map<String, String> settings() {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String variable : new String[] {VARIABLE, SPIN_VARIABLE}) {
      String value = nativeValue(variable);
      if (value != null) {
        settings.put(variable, value);
      }
    }
    return settings;
  }

  /** A variable as native code will read it; null when unset. */
  private static String nativeValue(String variable) {
    return C.getFunction("getenv").invokeString(new Object[] {variable}, false);
  }
}
