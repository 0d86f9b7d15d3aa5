package dev.spc.server.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The log store's files in its directory ({@link LogJobStore}): which generations are there,
 * reading a snapshot, and folding a snapshot and the logs after it into the next one.
 */
final class LogFiles {
  /** A snapshot's job frames hold about this much each. */
  private static final int SNAPSHOT_FRAME = 256 << 10;
  /** A snapshot being written is synced every this many bytes. */
  private static final int SYNC_EVERY = 4 << 20;
  private static final Pattern NAME = Pattern.compile("jobs-(\\d{10})\\.(log|snap)");

  /** The newest snapshot's generation (0: none) and the logs from it on, oldest first. */
  record Scan(Path dir, long snapshot, List<Long> logs) {
    Path snapshotPath() {
      return LogFiles.snapshotPath(dir, snapshot);
    }

    Path logPath(long generation) {
      return LogFiles.logPath(dir, generation);
    }
  }

  private LogFiles() {}

  static Path logPath(Path dir, long generation) {
    return dir.resolve(String.format(java.util.Locale.ROOT, "jobs-%010d.log", generation));
  }

  static Path snapshotPath(Path dir, long generation) {
    return dir.resolve(String.format(java.util.Locale.ROOT, "jobs-%010d.snap", generation));
  }

  /** Whether {@code dir} holds a log store's files. */
  static boolean present(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (NAME.matcher(p.getFileName().toString()).matches()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Finds the newest snapshot and the logs it does not hold, deleting what an earlier fold left
   * behind: a snapshot half written, and the files a newer snapshot replaced.
   */
  static Scan scan(Path dir) throws IOException {
    long snapshot = 0;
    List<Long> snapshots = new ArrayList<>();
    List<Long> logs = new ArrayList<>();
    List<Path> stale = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        Matcher m = NAME.matcher(name);
        if (name.startsWith("jobs-") && name.endsWith(".tmp")) {
          stale.add(p);
        } else if (m.matches()) {
          long g = Long.parseLong(m.group(1));
          (m.group(2).equals("log") ? logs : snapshots).add(g);
          if (m.group(2).equals("snap")) {
            snapshot = Math.max(snapshot, g);
          }
        }
      }
    }
    long newest = snapshot;
    snapshots.stream().filter(g -> g < newest).forEach(g -> stale.add(snapshotPath(dir, g)));
    logs.stream().filter(g -> g < newest).forEach(g -> stale.add(logPath(dir, g)));
    for (Path p : stale) {
      Files.delete(p);
    }
    if (!stale.isEmpty()) {
      LogFormat.syncDirectory(dir);
    }
    List<Long> kept = new ArrayList<>(logs.stream().filter(g -> g >= newest).sorted().toList());
    return new Scan(dir, snapshot, kept);
  }

  /** Creates an empty log (its magic, fsync'd); its directory entry is the caller's to sync. */
  static void createLog(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(LogFormat.LOG_MAGIC);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  /** Reads a snapshot's first frame, its settings and schedules, into {@code fold}. */
  static void readHeader(Path snapshot, LogFold fold) throws IOException {
    boolean[] read = {false};
    LogFormat.Read r = LogFormat.read(snapshot, LogFormat.SNAPSHOT_MAGIC, new ArrayList<>(), (chunk, buf, from, to) -> {
      LogFormat.Entries all = fold.entries(chunk);
      LogFormat.decode(buf, from, to, new LogFormat.Entries() {
        @Override
        public void job(long seq, int fixed, int state) throws IOException {
          throw new IOException("a snapshot's first frame holds a job");
        }

        @Override
        public void deleted(long seq) throws IOException {
          throw new IOException("a snapshot holds a deletion");
        }

        @Override
        public void schedule(String id, byte @Nullable [] stored) throws IOException {
          all.schedule(id, stored);
        }

        @Override
        public void setting(String key, String value) throws IOException {
          all.setting(key, value);
        }
      });
      read[0] = true;
      return false;
    });
    if (r.torn() || !read[0]) {
      throw new IOException(snapshot + " is damaged at byte " + r.goodEnd() + ": " + r.why());
    }
  }

  /**
   * Reads a snapshot's jobs into {@code merge}, in order, given up between frames once {@code
   * stop} says so; every frame must be sound (the merge checks the end entry's count).
   */
  static void readJobs(Path snapshot, LogFold.Merge merge, BooleanSupplier stop) throws IOException {
    boolean[] first = {true};
    LogFormat.Read r = LogFormat.read(snapshot, LogFormat.SNAPSHOT_MAGIC, new ArrayList<>(), (chunk, buf, from, to) -> {
      if (stop.getAsBoolean()) {
        throw new InterruptedIOException("the store is closing");
      }
      if (!first[0]) {
        merge.frame(buf, from, to);
      }
      first[0] = false;
      return true;
    });
    if (r.torn()) {
      throw new IOException(snapshot + " is damaged at byte " + r.goodEnd() + ": " + r.why());
    }
  }

  /** Folds the log of {@code generation} into {@code fold}; a torn frame is damage. */
  static void readLog(Path dir, long generation, LogFold fold) throws IOException {
    Path p = logPath(dir, generation);
    LogFormat.Read r = LogFormat.read(p, LogFormat.LOG_MAGIC, fold.chunks, fold.frames());
    if (r.torn()) {
      throw new IOException(p + " is damaged at byte " + r.goodEnd() + ": " + r.why());
    }
  }

  /**
   * Folds snapshot {@code from} (0: none) and the logs from it up to {@code to} into snapshot
   * {@code to}, then deletes the files it replaces. Returns the new snapshot's size. Until the new
   * snapshot is renamed into place, {@code stop} abandons it (an InterruptedIOException).
   */
  static long compact(Path dir, long from, long to, BooleanSupplier stop) throws IOException {
    LogFold fold = new LogFold();
    if (from > 0) {
      readHeader(snapshotPath(dir, from), fold);
    }
    List<Path> logs = new ArrayList<>();
    for (long g = Math.max(from, 1); g < to; g++) {
      if (Files.exists(logPath(dir, g))) {
        logs.add(logPath(dir, g));
        readLog(dir, g, fold);
      }
    }
    Path tmp = dir.resolve(snapshotPath(dir, to).getFileName() + ".tmp");
    long size;
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      write(stop, out, ByteBuffer.wrap(LogFormat.SNAPSHOT_MAGIC));
      LogFormat.Encoder enc = new LogFormat.Encoder();
      for (Map.Entry<String, String> e : fold.settings.entrySet()) {
        enc.setting(e.getKey(), e.getValue());
      }
      for (Map.Entry<String, byte @Nullable []> e : fold.schedules.entrySet()) {
        byte[] b = e.getValue();
        if (b != null) {
          enc.schedule(e.getKey(), b);
        }
      }
      write(stop, out, enc.frame());
      enc.clear();
      long[] unsynced = {0};
      LogFold.Merge merge = fold.merging((seq, fb, fixed, sb, state) -> {
        enc.job(seq, fb, fixed, sb, state);
        if (enc.size() >= SNAPSHOT_FRAME) {
          unsynced[0] += enc.size();
          write(stop, out, enc.frame());
          enc.clear();
          if (unsynced[0] >= SYNC_EVERY) {
            // A little at a time: a commit's fsync may have to wait for what is written here
            // (ext4 flushes other files' data with its journal), so never for much.
            out.force(false);
            unsynced[0] = 0;
          }
        }
      });
      if (from > 0) {
        readJobs(snapshotPath(dir, from), merge, stop);
      }
      long jobs = merge.finish(from > 0);
      enc.end(jobs);
      write(stop, out, enc.frame());
      out.force(true);
      size = out.size();
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, snapshotPath(dir, to), StandardCopyOption.ATOMIC_MOVE);
    LogFormat.syncDirectory(dir);
    if (from > 0) {
      release(snapshotPath(dir, from), stop);
    }
    for (Path p : logs) {
      release(p, stop);
    }
    LogFormat.syncDirectory(dir);
    return size;
  }

  /** Bytes a superseded file is cut by at a time before it is deleted. */
  private static final long RELEASE_STEP = 8 << 20;

  /**
   * Deletes a file a newer snapshot superseded, giving its space back a few MiB at a time. Freeing
   * a few hundred MiB at once held the log's commits up for tens of ms (ext4 frees and discards
   * the extents in the journal commit the next fdatasync waits for); cut in steps, a commit waits
   * for a step at most (2-3 ms). A file a crash left part cut is superseded all the same, and
   * deleted at the next open ({@link #scan}). Once {@code stop} says so, the rest goes at once.
   */
  static void release(Path p, BooleanSupplier stop) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      for (long size = ch.size() - RELEASE_STEP; size > 0 && !stop.getAsBoolean(); size -= RELEASE_STEP) {
        ch.truncate(size);
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    Files.deleteIfExists(p);
  }

  private static void write(BooleanSupplier stop, FileChannel out, ByteBuffer b) throws IOException {
    if (stop.getAsBoolean()) {
      throw new InterruptedIOException("the store is closing");
    }
    while (b.hasRemaining()) {
      out.write(b);
    }
  }
}
