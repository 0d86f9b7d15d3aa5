package dev.spc.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir
  Path dir;

  @Test
  void deletesATree_butNotWhatItsLinksPointAt() throws Exception {
    Path outside = Files.writeString(dir.resolve("outside.txt"), "kept");
    Path root = Files.createDirectories(dir.resolve("root/a/b"));
    Files.writeString(root.resolve("f.txt"), "x");
    Files.writeString(dir.resolve("root/g.txt"), "y");
    Files.createSymbolicLink(dir.resolve("root/a/link"), outside);
    FileTrees.delete(dir.resolve("root"));
    assertFalse(Files.exists(dir.resolve("root")));
    assertTrue(Files.exists(outside));
    FileTrees.delete(dir.resolve("root")); // gone already: nothing to do
  }
}
