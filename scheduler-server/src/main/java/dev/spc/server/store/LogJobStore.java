package dev.spc.server.store;

import dev.spc.common.Log;
import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import dev.spc.server.loop.JobIds;
import dev.spc.server.loop.Persistence.JobRow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Jobs in an append-only log with snapshots: a commit is one frame appended to the current log
 * and fsync'd ({@code fdatasync}) before it returns. A job's changes are small records (its
 * first row with the fixed part, then each new state), so a commit costs what its bytes cost,
 * not a B-tree update per row. See docs/storage.md.
 *
 * <p>Generations: {@code jobs-N.snap} holds everything the logs before {@code jobs-N.log} held,
 * folded (jobs in sequence order, the deleted left out). When the current log has grown past
 * {@link #rollAt} a new log is started and a thread of its own folds the last snapshot and the
 * closed logs into the next snapshot: written beside, fsync'd, renamed into place, and only then
 * are the files it replaces deleted. Opening reads the newest snapshot and folds the logs after
 * it; a frame cut short at the very end of the newest log (a crash mid-append: its commit never
 * returned) is cut off, and damage anywhere else refuses the open.
 *
 * <p>One writer thread calls {@link #commit}; {@code store.lock} keeps a second coordinator out
 * of the directory.
 */
public final class LogJobStore implements JobStore {
  private static final Log log = Log.get(LogJobStore.class);
  /**
   * A log is rolled past this size, or twice the snapshot's if that is larger: a snapshot is
   * rewritten whole, so the logs between two are made at least twice its size, and the done jobs
   * it keeps are not written again and again (at most half a byte of snapshot a byte logged).
   */
  public static final long ROLL_MIN = 64L << 20;
  private static final String INCARNATION = "incarnation";
  private static final String TERM = "term";

  private final Path dir;
  private final long rollMin;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final LogFormat.Encoder encoder = new LogFormat.Encoder();
  /** The settings as stored (the coordinator's id, its term, operators' settings). */
  private final Map<String, String> settings;
  private final Map<String, byte @Nullable []> schedules;
  /** What opening read, until the jobs have been read from it. */
  private volatile @Nullable LogFold opened;
  private final AtomicInteger reading = new AtomicInteger();
  private FileChannel current;
  private long generation;
  private long end;
  /** End of the frames of the commit being written. */
  private long written;
  private final int frameSplit;
  /** The newest snapshot's generation (0: none yet) and size; set by the compactor. */
  private volatile long snapshotGeneration;
  private volatile long snapshotSize;
  private volatile @Nullable Thread compactor;
  private volatile boolean closing;

  public LogJobStore(Path dataDir) throws StoreException {
    this(dataDir, ROLL_MIN);
  }

  /** A store that rolls its log past {@code rollMin} bytes (tests roll small logs). */
  LogJobStore(Path dataDir, long rollMin) throws StoreException {
    this(dataDir, rollMin, FRAME_SPLIT);
  }

  /** ... and splits commits into frames of about {@code frameSplit} bytes (tests split small ones). */
  LogJobStore(Path dataDir, long rollMin, int frameSplit) throws StoreException {
    this.dir = dataDir;
    this.rollMin = rollMin;
    this.frameSplit = frameSplit;
    FileChannel lf = null;
    try {
      Files.createDirectories(dataDir);
      lf = FileChannel.open(dataDir.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = lf.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        l = null; // this process holds it already
      }
      if (l == null) {
        throw new StoreException("the data directory " + dataDir + " is in use by another coordinator", null);
      }
      lockFile = lf;
      lock = l;
      LogFiles.Scan files = LogFiles.scan(dataDir);
      snapshotGeneration = files.snapshot();
      snapshotSize = files.snapshot() == 0 ? 0 : Files.size(files.snapshotPath());
      LogFold fold = new LogFold();
      if (files.snapshot() > 0) {
        LogFiles.readHeader(files.snapshotPath(), fold);
      }
      List<Long> logs = files.logs();
      for (int i = 0; i < logs.size(); i++) {
        Path p = files.logPath(logs.get(i));
        if (i < logs.size() - 1) {
          LogFiles.readLog(dataDir, logs.get(i), fold);
          continue;
        }
        LogFormat.Read r = LogFormat.read(p, LogFormat.LOG_MAGIC, fold.chunks, fold.frames());
        if (r.torn()) {
          log.warn("cut off an unfinished commit at the end of the log", "file", p.toString(),
              "at", r.goodEnd(), "why", r.why());
          try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(r.goodEnd());
            ch.force(true);
          }
        }
      }
      this.settings = new TreeMap<>(fold.settings);
      this.schedules = new TreeMap<>(fold.schedules);
      this.opened = fold;
      this.generation = logs.isEmpty() ? Math.max(files.snapshot(), 1) : logs.get(logs.size() - 1);
      Path cur = files.logPath(generation);
      if (!Files.exists(cur) || Files.size(cur) < LogFormat.LOG_MAGIC.length) {
        LogFiles.createLog(cur);
        LogFormat.syncDirectory(dataDir);
      }
      current = FileChannel.open(cur, StandardOpenOption.WRITE);
      end = current.size();
    } catch (IOException e) {
      closeQuietly(lf);
      throw new StoreException("cannot open the store in " + dataDir + ": " + e.getMessage(), e);
    } catch (StoreException e) {
      closeQuietly(lf);
      throw e;
    }
  }

  private static void closeQuietly(@Nullable FileChannel ch) {
    try {
      if (ch != null) {
        ch.close();
      }
    } catch (IOException ignored) {
      // opening failed already; that is the error to report
    }
  }

  @Override
  public Recovered load() throws StoreException {
    LogFold fold = opened;
    long snapshot = snapshotGeneration;
    Iterable<StoredJob> jobs;
    if (fold == null) {
      throw new IllegalStateException("the stored jobs are read once, before anything is written");
    }
    jobs = new StreamedJobs("the log store's jobs", row -> {
      // No new snapshot while the jobs are read from this one: it would delete it.
      reading.incrementAndGet();
      try {
        if (compactor != null) {
          throw new IllegalStateException("the stored jobs are read before anything is written");
        }
        LogFold.Merge merge = fold.merging((seq, fb, fixed, sb, state) -> {
          int fixedLength = LogFormat.length(fb, fixed);
          int stateLength = LogFormat.length(sb, state);
          byte[] whole = new byte[fixedLength + stateLength];
          fb.get(LogFormat.start(fb, fixed), whole, 0, fixedLength);
          sb.get(LogFormat.start(sb, state), whole, fixedLength, stateLength);
          try {
            row.accept(whole);
          } catch (IOException | RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new IOException(e);
          }
        });
        if (snapshot > 0) {
          LogFiles.readJobs(LogFiles.snapshotPath(dir, snapshot), merge, () -> false);
        }
        merge.finish(snapshot > 0);
      } finally {
        opened = null;
        reading.decrementAndGet();
      }
    });
    List<StoredSchedule> stored = new ArrayList<>();
    try {
      for (byte[] b : schedules.values()) {
        if (b != null) {
          stored.add(StoredSchedule.parseFrom(b));
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new StoreException("cannot read the store's schedules: " + e.getMessage(), e);
    }
    Map<String, String> ops = new java.util.HashMap<>();
    settings.forEach((k, v) -> {
      if (k.startsWith(SETTING_PREFIX)) {
        ops.put(k.substring(SETTING_PREFIX.length()), v);
      }
    });
    return new Recovered(settings.get(INCARNATION), jobs, stored, ops);
  }

  @Override
  public void saveIncarnation(String incarnation) throws StoreException {
    encoder.clear();
    written = end;
    encoder.setting(INCARNATION, incarnation);
    append();
    settings.put(INCARNATION, incarnation);
  }

  @Override
  public long nextTerm() throws StoreException {
    long term;
    try {
      term = Long.parseLong(settings.getOrDefault(TERM, "0")) + 1;
    } catch (NumberFormatException e) {
      throw new StoreException("the store's term is not a number: " + settings.get(TERM), e);
    }
    if (term > JobIds.MAX_TERM) {
      throw new StoreException("the store has been started " + JobIds.MAX_TERM
          + " times, all the terms its ids have room for", null);
    }
    encoder.clear();
    written = end;
    encoder.setting(TERM, Long.toString(term));
    append();
    settings.put(TERM, Long.toString(term));
    return term;
  }

  @Override
  public boolean appends() {
    return true;
  }

  @Override
  public void commit(Collection<JobRow> upserts, Collection<Long> deletes,
      Collection<StoredSchedule> schedulesChanged, Collection<String> schedulesDeleted,
      Map<String, String> settingsChanged) throws StoreException {
    encoder.clear();
    written = end;
    Map<String, byte @Nullable []> scheduleBytes = new TreeMap<>();
    try {
      for (var e : settingsChanged.entrySet()) {
        encoder.setting(SETTING_PREFIX + e.getKey(), e.getValue());
      }
      for (String id : schedulesDeleted) {
        encoder.schedule(id, null);
        scheduleBytes.put(id, null);
      }
      for (StoredSchedule sc : schedulesChanged) {
        byte[] b = sc.toByteArray();
        encoder.schedule(sc.getSchedule().getScheduleId(), b);
        scheduleBytes.put(sc.getSchedule().getScheduleId(), b);
      }
      for (JobRow j : upserts) {
        encoder.job(j.seq(), j.fixed(), j.state());
        if (encoder.size() >= frameSplit) {
          writeFrame();
        }
      }
      for (long seq : deletes) {
        encoder.deleted(seq);
      }
    } catch (IOException e) {
      throw failed(e);
    }
    if (encoder.size() == 0 && written == end) {
      return;
    }
    append();
    settingsChanged.forEach((k, v) -> settings.put(SETTING_PREFIX + k, v));
    schedules.putAll(scheduleBytes);
    maybeRoll();
  }

  /** A commit larger than this goes in several frames, so that none nears {@link LogFormat#MAX_FRAME}. */
  static final int FRAME_SPLIT = 64 << 20;

  /**
   * Writes the encoder's entries as a frame at {@link #written} (past the frames of this commit
   * written so far), then clears it. Not yet synced: {@link #append} does that.
   */
  private void writeFrame() throws IOException {
    ByteBuffer frame = encoder.frame();
    while (frame.hasRemaining()) {
      written += current.write(frame, written);
    }
    encoder.clear();
  }

  /**
   * Writes the encoder's entries (after any frames {@link #commit} split off) and fsyncs them; on
   * failure the log is as before the commit.
   */
  private void append() throws StoreException {
    try {
      writeFrame();
      current.force(false);
      end = written;
    } catch (IOException e) {
      failed(e);
    }
  }

  /** Cuts the log back to before the commit being written, and throws {@code e} as the store's failure. */
  private StoreException failed(IOException e) throws StoreException {
    written = end;
    try {
      current.truncate(end);
    } catch (IOException ignored) {
      // the next append writes over it from the same place, and opening cuts a torn tail off
    }
    String m = String.valueOf(e.getMessage());
    throw new StoreException(m.contains("No space left") ? "disk full: " + m : m, e);
  }

  /** Where the current log's next frame goes (for tests). */
  long end() {
    return end;
  }

  /** The size past which the current log is rolled and folded into a new snapshot. */
  long rollAt() {
    return Math.max(rollMin, 2 * snapshotSize);
  }

  private void maybeRoll() {
    if (end < rollAt() || compactor != null || reading.get() > 0) {
      return;
    }
    long next = generation + 1;
    Path p = LogFiles.logPath(dir, next);
    try {
      LogFiles.createLog(p);
      LogFormat.syncDirectory(dir);
      FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE);
      current.close();
      current = ch;
      generation = next;
      end = ch.size();
    } catch (IOException e) {
      log.warn("cannot start a new log; the current one grows until it can", "error", String.valueOf(e.getMessage()));
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // an empty log is read as one
      }
      return;
    }
    long from = snapshotGeneration;
    Thread t = Thread.ofPlatform().name("spc-compact").daemon(true).unstarted(() -> compact(from, next));
    compactor = t;
    t.start();
  }

  /** Folds snapshot {@code from} and the logs before {@code to} into snapshot {@code to}. */
  private void compact(long from, long to) {
    try {
      long t0 = System.nanoTime();
      long size = LogFiles.compact(dir, from, to, () -> closing);
      snapshotGeneration = to;
      snapshotSize = size;
      log.debug("snapshot written", "generation", to, "bytes", size, "ms", (System.nanoTime() - t0) / 1_000_000);
    } catch (java.io.InterruptedIOException e) {
      log.debug("snapshot abandoned: the store is closing");
    } catch (IOException | RuntimeException e) {
      log.warn("cannot write a snapshot; the logs are kept and read at the next start", "error",
          String.valueOf(e.getMessage()));
    } finally {
      compactor = null;
    }
  }

  @Override
  public void close() throws StoreException {
    closing = true;
    Thread t = compactor;
    try {
      if (t != null) {
        t.join(10_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      current.close();
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      throw new StoreException("cannot close the store: " + e.getMessage(), e);
    }
  }
}
