package dev.spc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaLauncherTest {
  @TempDir
  Path dir;

  @AfterEach
  void clear() {
    System.clearProperty(JavaLauncher.AOT_CACHE_PROPERTY);
  }

  @Test
  void aChild_getsTheCacheThisJvmWasStartedWith_onJdk25() throws Exception {
    Path cache = Files.writeString(dir.resolve("spc.aot"), "cache");
    System.setProperty(JavaLauncher.AOT_CACHE_PROPERTY, cache.toString());
    List<String> cmd = JavaLauncher.command(List.of("-Xmx1g"), "dev.spc.Main", List.of("server"));
    if (Runtime.version().feature() >= 25) {
      assertEquals(List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off",
          "-Dspc.aot.cache=" + cache), JavaLauncher.aotFlags());
      int flag = cmd.indexOf("-XX:AOTCache=" + cache);
      assertTrue(flag > 0 && flag < cmd.indexOf("-Xmx1g"), "the caller's flags come after: " + cmd);
    } else {
      assertEquals(List.of(), JavaLauncher.aotFlags());
    }
    assertEquals(List.of("dev.spc.Main", "server"), cmd.subList(cmd.size() - 2, cmd.size()));
  }

  @Test
  void aCallerThatChoosesClassSharing_keepsItsChoice() throws Exception {
    Path cache = Files.writeString(dir.resolve("spc.aot"), "cache");
    System.setProperty(JavaLauncher.AOT_CACHE_PROPERTY, cache.toString());
    for (String sharing : List.of("-Xshare:off", "-Xshare:auto", "-XX:SharedArchiveFile=a.jsa",
        "-XX:AOTCache=other.aot")) {
      List<String> cmd = JavaLauncher.command(List.of(sharing), "dev.spc.Main", List.of());
      assertTrue(cmd.stream().noneMatch(f -> f.equals("-XX:AOTCache=" + cache)), cmd.toString());
      assertTrue(cmd.contains(sharing), cmd.toString());
    }
  }

  @Test
  void noCache_noFlags() {
    assertEquals(List.of(), JavaLauncher.aotFlags());
    System.setProperty(JavaLauncher.AOT_CACHE_PROPERTY, dir.resolve("gone.aot").toString());
    assertEquals(List.of(), JavaLauncher.aotFlags(), "a cache removed since (a rebuild) is not passed on");
    System.setProperty(JavaLauncher.AOT_CACHE_PROPERTY, "");
    assertEquals(List.of(), JavaLauncher.aotFlags());
  }
}
