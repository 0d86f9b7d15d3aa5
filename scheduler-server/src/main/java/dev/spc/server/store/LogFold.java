package dev.spc.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot's settings and schedules and the entries of the logs after it, folded: each job's
 * latest state and its fixed part (whichever entry carried it), the jobs deleted, each schedule's
 * latest form and each setting's latest value. The logs stay mapped and jobs are kept as
 * references into them ({@link SeqRefs}). Merged with the snapshot's jobs ({@link #merging}) it is
 * the whole store.
 */
final class LogFold {
  /** Where merged jobs go, in sequence order: their parts are the values whose lengths are at the references. */
  interface Sink {
    void job(long seq, ByteBuffer fb, int fixed, ByteBuffer sb, int state) throws IOException;
  }

  /** The logs' mapped windows; a reference is a window's index (high half) and a position in it. */
  final List<ByteBuffer> chunks = new ArrayList<>();
  final SeqRefs jobs = new SeqRefs();
  /** By id; a null value is a schedule deleted. */
  final Map<String, byte @Nullable []> schedules = new TreeMap<>();
  final Map<String, String> settings = new TreeMap<>();

  private static long ref(int chunk, int pos) {
    return pos < 0 ? SeqRefs.NONE : (long) chunk << 32 | pos;
  }

  private ByteBuffer chunk(long ref) {
    return chunks.get((int) (ref >>> 32));
  }

  /** Decodes frames of a log (read into {@link #chunks}) into the fold. */
  LogFormat.Frames frames() {
    return (chunk, buf, from, to) -> {
      LogFormat.decode(buf, from, to, entries(chunk));
      return true;
    };
  }

  /** The fold's entries, for those decoded from {@code chunk}. */
  LogFormat.Entries entries(int chunk) {
    return new LogFormat.Entries() {
      @Override
      public void job(long seq, int fixed, int state) {
        jobs.put(seq, ref(chunk, fixed), ref(chunk, state));
      }

      @Override
      public void deleted(long seq) {
        jobs.delete(seq);
      }

      @Override
      public void schedule(String id, byte @Nullable [] stored) {
        schedules.put(id, stored);
      }

      @Override
      public void setting(String key, String value) {
        settings.put(key, value);
      }
    };
  }

  /** A merge in progress: feed it the snapshot's job frames in order, then {@link Merge#finish}. */
  Merge merging(Sink sink) {
    return new Merge(sink);
  }

  final class Merge {
    private final Sink sink;
    private final long[] seqs;
    private int next;
    private long count;
    private long snapshotJobs;
    private long snapshotEnd = -1;

    Merge(Sink sink) {
      this.sink = sink;
      this.seqs = jobs.liveSorted();
    }

    /** Decodes one of the snapshot's job frames into the merge. */
    void frame(ByteBuffer buf, int from, int to) throws IOException {
      LogFormat.decode(buf, from, to, new LogFormat.Entries() {
        @Override
        public void job(long seq, int fixed, int state) throws IOException {
          snapshotJob(seq, buf, fixed, state);
        }

        @Override
        public void deleted(long seq) throws IOException {
          throw new IOException("a snapshot holds a deletion");
        }

        @Override
        public void schedule(String id, byte @Nullable [] stored) throws IOException {
          throw new IOException("a snapshot holds a schedule past its first frame");
        }

        @Override
        public void setting(String key, String value) throws IOException {
          throw new IOException("a snapshot holds a setting past its first frame");
        }

        @Override
        public void end(long jobs) {
          snapshotEnd = jobs;
        }
      });
    }

    private void snapshotJob(long seq, ByteBuffer buf, int fixed, int state) throws IOException {
      snapshotJobs++;
      if (fixed < 0) {
        throw new IOException("job " + seq + " has no fixed part in the snapshot");
      }
      while (next < seqs.length && seqs[next] < seq) {
        logged(seqs[next++]);
      }
      if (next < seqs.length && seqs[next] == seq) {
        long f = jobs.fixed(seq);
        long s = jobs.state(seq);
        count++;
        if (f == SeqRefs.NONE) {
          sink.job(seq, buf, fixed, chunk(s), (int) s);
        } else {
          sink.job(seq, chunk(f), (int) f, chunk(s), (int) s);
        }
        next++;
      } else if (!jobs.deleted(seq)) {
        count++;
        sink.job(seq, buf, fixed, buf, state);
      }
    }

    private void logged(long seq) throws IOException {
      long f = jobs.fixed(seq);
      if (f == SeqRefs.NONE) {
        throw new IOException("job " + seq + " has a state in the log but no first row anywhere");
      }
      long s = jobs.state(seq);
      count++;
      sink.job(seq, chunk(f), (int) f, chunk(s), (int) s);
    }

    /**
     * Hands over the jobs only the logs hold past the snapshot's last; returns the jobs merged.
     * {@code snapshot}: whether a snapshot was read, which must then have ended whole.
     */
    long finish(boolean snapshot) throws IOException {
      if (snapshot && snapshotEnd != snapshotJobs) {
        throw new IOException("the snapshot is incomplete: it holds " + snapshotJobs + " jobs and says "
            + snapshotEnd);
      }
      while (next < seqs.length) {
        logged(seqs[next++]);
      }
      return count;
    }
  }
}
