package dev.spc.common;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * SIGTERM and SIGINT as requests for a graceful stop rather than an immediate exit: the process
 * then stops in its own time and exits with its own status (0 for a clean stop). Uses the JDK's
 * {@code sun.misc.Signal} (module jdk.unsupported) reflectively; where that is missing the JVM's
 * default handling (shutdown hooks) stays.
 */
public final class Signals {
  private Signals() {}

  /** Calls {@code action} (once, on a new thread) at the first SIGTERM or SIGINT. */
  @SuppressWarnings("ReferenceEquality") // a proxy's equals is its identity
  public static boolean onTerminate(Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Constructor<?> make = signal.getConstructor(String.class);
      Method handle = signal.getMethod("handle", signal, handler);
      boolean[] fired = new boolean[1];
      Object h = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler},
          (proxy, method, args) -> {
            if (method.getName().equals("handle")) {
              synchronized (fired) {
                if (!fired[0]) {
                  fired[0] = true;
                  Thread.ofPlatform().name("spc-stop").start(action);
                }
              }
              return null;
            }
            return method.getName().equals("hashCode") ? System.identityHashCode(proxy)
                : method.getName().equals("equals") ? proxy == args[0] : "spc-signal-handler";
          });
      handle.invoke(null, make.newInstance("TERM"), h);
      handle.invoke(null, make.newInstance("INT"), h);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
