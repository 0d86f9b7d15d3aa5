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

  private static long kb(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
  }

  static String mib(long bytes) {
    return bytes < 0 ? "?" : String.format(java.util.Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }
}
