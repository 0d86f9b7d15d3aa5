package dev.spc.server.store;

import dev.spc.proto.store.StoredJob;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * The stored jobs, read and parsed on a thread of their own while the caller rebuilds them from
 * what has arrived: a restart holding a million jobs does both at once, and each parsed row is
 * garbage once rebuilt instead of staying in a list of them all until the end (which made the
 * collector copy them all, twice). Rows come in the order the reader gives them. Iterable once,
 * before anything else uses the store's connection: the reader has it until the last row.
 */
final class StreamedJobs implements Iterable<StoredJob> {
  /** Reads the rows' bytes in order, handing each to {@code row}. */
  interface Reader {
    void read(RowSink row) throws Exception;
  }

  interface RowSink {
    void accept(byte[] data) throws Exception;
  }

  /**
   * The bytes of a job's whole row: its fixed part followed by its state (a row stored whole by
   * an older coordinator has no fixed part). A protobuf message's bytes followed by another's
   * parse as the second merged onto the first, and the parts set disjoint fields, so the
   * concatenation is the whole {@link StoredJob}; the database concatenates, and each row is one
   * value read and one parse.
   */
  static final String WHOLE_ROW = "CASE WHEN fixed IS NULL THEN data ELSE %s END";

  private static final int CHUNK = 1024;
  /** A few chunks ahead at most: the reader waits rather than fill the heap. */
  private static final int AHEAD = 16;

  private final String what;
  private final Reader reader;
  private boolean iterated;

  StreamedJobs(String what, Reader reader) {
    this.what = what;
    this.reader = reader;
  }

  @Override
  public Iterator<StoredJob> iterator() {
    if (iterated) {
      throw new IllegalStateException("the stored jobs are read once");
    }
    iterated = true;
    BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(AHEAD);
    Thread t = Thread.ofPlatform().daemon().name("spc-store-reader").start(() -> {
      try {
        Chunker chunks = new Chunker(queue);
        reader.read(chunks);
        queue.put(new Chunk(chunks.chunk, null, true));
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          return;
        }
        try {
          queue.put(new Chunk(List.of(), e, true));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
    });
    return new Iterator<>() {
      private Iterator<StoredJob> rows = List.<StoredJob>of().iterator();
      private boolean last;

      @Override
      public boolean hasNext() {
        while (!rows.hasNext() && !last) {
          Chunk c;
          try {
            c = queue.take();
          } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
            throw new JobStore.Unreadable(new JobStore.StoreException("interrupted reading " + what, e));
          }
          if (c.failure() != null) {
            throw new JobStore.Unreadable(new JobStore.StoreException(
                "cannot read " + what + ": " + c.failure().getMessage(), c.failure()));
          }
          rows = c.rows().iterator();
          last = c.last();
        }
        return rows.hasNext();
      }

      @Override
      public StoredJob next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return rows.next();
      }
    };
  }

  /** Parses rows into chunks and hands each full one over. */
  private static final class Chunker implements RowSink {
    private final BlockingQueue<Chunk> queue;
    List<StoredJob> chunk = new ArrayList<>(CHUNK);

    Chunker(BlockingQueue<Chunk> queue) {
      this.queue = queue;
    }

    @Override
    public void accept(byte[] data) throws Exception {
      chunk.add(StoredJob.parseFrom(data));
      if (chunk.size() == CHUNK) {
        queue.put(new Chunk(chunk, null, false));
        chunk = new ArrayList<>(CHUNK);
      }
    }
  }

  private record Chunk(List<StoredJob> rows, @Nullable Exception failure, boolean last) {}
}
