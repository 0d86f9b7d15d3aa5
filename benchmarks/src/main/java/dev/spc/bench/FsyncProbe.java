package dev.spc.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * What a group commit costs the file system, by how the log's space came to be: commits of
 * {@code chunk} bytes, each followed by {@code force(false)} (fdatasync), written past the end of
 * a new file (as the log store appends today), into a sparse file of the final size, and over a
 * file already filled with zeros. Prints each one's time a commit and this process's CPU.
 *
 * <p>Usage: {@code java -cp benchmarks/target/spc-benchmarks.jar dev.spc.bench.FsyncProbe [dir]
 * [MiB] [chunk bytes] [rounds]}.
 */
public final class FsyncProbe {
  private FsyncProbe() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
    long total = (args.length > 1 ? Long.parseLong(args[1]) : 256) << 20;
    int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 150_000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    for (int r = 0; r < rounds; r++) {
      for (String how : List.of("append", "sparse", "zeroed")) {
        probe(dir.resolve("spc-fsync-probe-" + how), how, total, chunk);
      }
    }
  }

  private static void probe(Path p, String how, long total, int chunk) throws IOException {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Files.deleteIfExists(p);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long prepare = os.getProcessCpuTime();
      if (how.equals("sparse")) {
        ch.write(ByteBuffer.allocate(1), total + chunk);
        ch.force(true);
      } else if (how.equals("zeroed")) {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long at = 0; at < total + chunk; at += zeros.capacity()) {
          zeros.clear();
          while (zeros.hasRemaining()) {
            ch.write(zeros, at + zeros.position());
          }
        }
        ch.force(true);
      }
      ByteBuffer data = ByteBuffer.allocateDirect(chunk);
      for (int i = 0; i < chunk; i++) {
        data.put(i, (byte) (i * 31));
      }
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      int commits = 0;
      for (long at = 0; at < total; at += chunk) {
        data.clear();
        while (data.hasRemaining()) {
          ch.write(data, at + data.position());
        }
        ch.force(false);
        commits++;
      }
      long t1 = System.nanoTime();
      long cpu1 = os.getProcessCpuTime();
      System.out.printf(Locale.ROOT, "%-7s %d commits of %d bytes: %.3f ms a commit, CPU %.2f s"
          + " (preparing the file: %.2f s)%n", how, commits, chunk, (t1 - t0) / 1e6 / commits,
          (cpu1 - cpu0) / 1e9, (cpu0 - prepare) / 1e9);
    } finally {
      Files.deleteIfExists(p);
    }
  }
}
