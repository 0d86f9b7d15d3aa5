package dev.spc.common;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds command lines that start another JVM like this one: the same {@code java} binary,
 * the same classpath, and the flags that keep JDK 24+ quiet about grpc-netty's native access.
 */
public final class JavaLauncher {
  private JavaLauncher() {}

  /** The {@code java} executable of the running JVM. */
  public static String javaBinary() {
    Path p = Path.of(System.getProperty("java.home"), "bin", "java");
    if (Files.isExecutable(p)) {
      return p.toString();
    }
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** JVM flags for a child on this JDK: warnings about native access silenced on 24+. */
  public static List<String> quietFlags() {
    List<String> flags = new ArrayList<>();
    int feature = Runtime.version().feature();
    if (feature >= 22) {
      flags.add("--enable-native-access=ALL-UNNAMED");
    }
    if (feature >= 24) {
      flags.add("--sun-misc-unsafe-memory-access=allow");
    }
    return flags;
  }

  /** {@code java <flags> -cp <this classpath> <mainClass> <args...>}. */
  public static List<String> command(List<String> jvmFlags, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(quietFlags());
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }
}
