package dev.spc.bench;

import dev.spc.common.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bench's directory: every process's log (and, with --jfr, its recording) stays there to be
 * read; the stores the runs wrote (a coordinator's data directory: hundreds of MB a run) go.
 */
final class LogDir {
  private LogDir() {}

  static Path create() throws IOException {
    return Files.createTempDirectory("spc-bench-");
  }

  /** Deletes every {@code data} directory under {@code dir}. */
  static void dropStores(Path dir) throws IOException {
    List<Path> stores;
    try (Stream<Path> all = Files.walk(dir)) {
      stores = all.filter(p -> Files.isDirectory(p) && p.getFileName().toString().equals("data")).toList();
    }
    for (Path store : stores) {
      FileTrees.delete(store);
    }
  }
}
