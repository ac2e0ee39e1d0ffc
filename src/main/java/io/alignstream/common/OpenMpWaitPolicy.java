package io.alignstream.common;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Makes PyTorch's OpenMP threads sleep instead of spin while they wait for work, unless the user
 * chose otherwise. libgomp spins a waiting thread for a while before it sleeps; on a machine
 * whose cores are busy with other work the spinning threads wait for descheduled siblings and
 * burn several times the CPU of the work itself (docs/benchmarks.md has the measurement).
 *
 * <p>libgomp reads {@code OMP_WAIT_POLICY} from the process environment once, when the library is
 * loaded, and offers no call to change it later. The JVM's environment is fixed at start and
 * {@link System#getenv()} is a copy, so this sets the variable in the C library's environment
 * (through JNA, which DJL already brings) before any PyTorch native library loads: it must run
 * first thing in {@code main}. See docs/platform.md.
 */
public final class OpenMpWaitPolicy {

  public static final String VARIABLE = "OMP_WAIT_POLICY";
  public static final String PASSIVE = "PASSIVE";

  private OpenMpWaitPolicy() {}

  /** Sets OMP_WAIT_POLICY=PASSIVE in this process's native environment unless it is set already. */
  public static void passiveUnlessSet() {
    NativeLibrary c = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
    c.getFunction("setenv").invokeInt(new Object[] {VARIABLE, PASSIVE, 0}); // 0: keep a value the user set
  }

  /** The variable as native code (libgomp) will read it; null when unset. */
  public static String nativeValue() {
    return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("getenv").invokeString(
        new Object[] {VARIABLE}, false);
  }
}
