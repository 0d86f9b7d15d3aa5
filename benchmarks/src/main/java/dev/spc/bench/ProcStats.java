package dev.spc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and peak resident memory of a process, read from /proc (Linux). */
record ProcStats(double cpuSeconds, long peakRssBytes, long rssBytes) {
  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

  static ProcStats of(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      // fields after the command: state(0) ... utime(11) stime(12)
      double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
      long hwm = 0;
      long rss = 0;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          hwm = kb(line);
        } else if (line.startsWith("VmRSS:")) {
          rss = kb(line);
        }
      }
      return new ProcStats(cpu, hwm, rss);
    } catch (IOException | RuntimeException e) {
      return new ProcStats(Double.NaN, -1, -1);
    }
  }

  /**
   * CPU seconds of each of the JIT compiler threads of {@code pid} (C1 and C2), by thread id; empty
   * if it cannot be read. The JVM starts and ends compiler threads as the work asks, so compare
   * two readings thread by thread ({@link Latency#compilingSeconds}).
   */
  static java.util.Map<Long, Double> compilerThreads(long pid) {
    java.util.Map<Long, Double> out = new java.util.HashMap<>();
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String comm = Files.readString(t.resolve("comm")).strip();
          if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
            String stat = Files.readString(t.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            out.put(Long.parseLong(t.getFileName().toString()),
                (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND);
          }
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      return java.util.Map.of();
    }
    return out;
  }

  private static long kb(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
  }

  static String mib(long bytes) {
    return bytes < 0 ? "?" : String.format(java.util.Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }
}
