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
  /** The system property naming the AOT cache this JVM was started with, if any. */
  public static final String AOT_CACHE_PROPERTY = "spc.aot.cache";

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

  /**
   * The AOT cache flags for a child on JDK 25+, when this JVM was given one by {@code bin/spc}
   * ({@code -Dspc.aot.cache}): the child runs the same build on the same classpath, so the cache
   * made for this JVM fits it too. Empty otherwise. The JVM itself checks the fit and starts
   * without the cache if it does not; the log flags keep that silent.
   */
  public static List<String> aotFlags() {
    String cache = System.getProperty(AOT_CACHE_PROPERTY, "");
    if (cache.isEmpty() || Runtime.version().feature() < 25 || !Files.isRegularFile(Path.of(cache))) {
      return List.of();
    }
    return List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off",
        "-D" + AOT_CACHE_PROPERTY + "=" + cache);
  }

  private static boolean choosesSharing(String flag) {
    return flag.startsWith("-Xshare:") || flag.startsWith("-XX:SharedArchiveFile")
        || flag.startsWith("-XX:AOT") || flag.startsWith("-XX:SharedClassListFile")
        || flag.startsWith("-XX:DumpLoadedClassList");
  }

  /** {@code java <flags> -cp <this classpath> <mainClass> <args...>}. */
  public static List<String> command(List<String> jvmFlags, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(quietFlags());
    if (jvmFlags.stream().noneMatch(JavaLauncher::choosesSharing)) {
      cmd.addAll(aotFlags()); // the JVM refuses an AOT cache next to these
    }
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }
}
