package dev.spc.bench;

import dev.spc.proto.Job;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.store.StoredJob;
import dev.spc.server.loop.JobIds;
import dev.spc.server.loop.Persistence.JobRow;
import dev.spc.server.store.JobStore;
import dev.spc.server.store.LogJobStore;
import dev.spc.server.store.SqliteJobStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The storage candidates side by side, on this machine's disk: durable commits of job rows in
 * groups (what group commit does under load) and one at a time (what an idle coordinator does).
 * Usage: {@code StoreBench DIR}. The numbers behind docs/storage.md.
 */
public final class StoreBench {
  interface Candidate extends AutoCloseable {
    void commit(List<StoredJob> rows) throws Exception;
  }

  /** One of SPC's stores, given each job's first row, all of it in the fixed part. */
  static Candidate jobStore(JobStore s) {
    return new Candidate() {
      @Override
      public void commit(List<StoredJob> r) throws Exception {
        List<JobRow> whole = new ArrayList<>(r.size());
        for (StoredJob j : r) {
          whole.add(new JobRow(JobIds.sequenceOf(j.getJob().getJobId()), new byte[0], j.toByteArray()));
        }
        s.commit(whole, List.of());
      }

      @Override
      public void close() throws Exception {
        s.close();
      }
    };
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/store-bench");
    Files.createDirectories(dir);
    List<StoredJob> rows = new ArrayList<>();
    for (int i = 1; i <= 200_000; i++) {
      rows.add(StoredJob.newBuilder().setJob(Job.newBuilder().setJobId("mi8tq1k0-" + i)
          .setState(JobState.JOB_STATE_PENDING)
          .setSpec(JobSpec.newBuilder().setType("noop").addArgs("some-arg"))).build());
    }
    System.out.printf(Locale.ROOT, "%-40s %16s %16s%n", "candidate", "rows/s, 1000/commit", "commits/s, 1 row");
    run("SQLite WAL, synchronous=FULL (sqlite-jdbc)", dir.resolve("sqlite"), rows,
        d -> jobStore(new SqliteJobStore(d)));
    run("SPC log store (LogJobStore), fdatasync", dir.resolve("log"), rows, d -> jobStore(new LogJobStore(d)));
    run("H2 MVStore, commit + sync", dir.resolve("mvstore"), rows, d -> {
      Files.createDirectories(d);
      MVStore s = new MVStore.Builder().fileName(d.resolve("jobs.mv").toString()).autoCommitDisabled().open();
      MVMap<Long, byte[]> map = s.openMap("jobs");
      return new Candidate() {
        @Override
        public void commit(List<StoredJob> r) {
          for (StoredJob j : r) {
            String id = j.getJob().getJobId();
            map.put(Long.parseLong(id.substring(id.indexOf('-') + 1)), j.toByteArray());
          }
          s.commit();
          s.sync();
        }

        @Override
        public void close() {
          s.close();
        }
      };
    });
    run("hand-written log: CRC32C frames + fdatasync", dir.resolve("log"), rows, d -> {
      Files.createDirectories(d);
      FileChannel ch = FileChannel.open(d.resolve("jobs.log"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      return new Candidate() {
        @Override
        public void commit(List<StoredJob> r) throws IOException {
          int size = 0;
          List<byte[]> bs = new ArrayList<>(r.size());
          for (StoredJob j : r) {
            byte[] b = j.toByteArray();
            bs.add(b);
            size += b.length + 8;
          }
          ByteBuffer buf = ByteBuffer.allocate(size);
          CRC32C crc = new CRC32C();
          for (byte[] b : bs) {
            crc.reset();
            crc.update(b);
            buf.putInt(b.length).putInt((int) crc.getValue()).put(b);
          }
          buf.flip();
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          ch.force(false);
        }

        @Override
        public void close() throws IOException {
          ch.close();
        }
      };
    });
  }

  interface Factory {
    Candidate open(Path dir) throws Exception;
  }

  static void run(String name, Path dir, List<StoredJob> rows, Factory f) throws Exception {
    try (Candidate c = f.open(dir)) {
      int groups = rows.size() / 1000;
      c.commit(rows.subList(0, 1000)); // warm-up
      long t0 = System.nanoTime();
      for (int g = 1; g < groups; g++) {
        c.commit(rows.subList(g * 1000, (g + 1) * 1000));
      }
      double grouped = (groups - 1) * 1000 / ((System.nanoTime() - t0) / 1e9);
      int singles = 500;
      long t1 = System.nanoTime();
      for (int i = 0; i < singles; i++) {
        c.commit(rows.subList(i, i + 1));
      }
      double single = singles / ((System.nanoTime() - t1) / 1e9);
      System.out.printf(Locale.ROOT, "%-40s %,16.0f %,16.0f%n", name, grouped, single);
    }
  }
}
