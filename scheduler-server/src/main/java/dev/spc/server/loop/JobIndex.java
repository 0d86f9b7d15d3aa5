package dev.spc.server.loop;

import java.util.AbstractCollection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/**
 * Every job held, by sequence. Sequences are dense: a term issues them one after another, and jobs
 * leave roughly in the order they came (done ones are forgotten oldest first). So the jobs live in
 * pages of {@value #PAGE} consecutive sequences, and a page goes once its last job has left. A job
 * costs its page slot, 4 bytes, where a {@code HashMap<Long, JobRecord>} spends a node, a boxed key
 * and a table slot, about 65 bytes: with ten million pending jobs that is 600 MiB of heap.
 *
 * <p>A job left alone in its page (one pending for days while thousands after it finished) keeps
 * the page's 4 KiB; that is bounded by the number of such jobs and is the price of the common case.
 */
final class JobIndex {
  private static final int PAGE_BITS = 10;
  static final int PAGE = 1 << PAGE_BITS;

  private static final class Page {
    final JobRecord[] slots = new JobRecord[PAGE];
    int live;
  }

  private final Map<Long, Page> pages = new HashMap<>();
  private int size;
  /** The page looked at last: submits, leases and listings mostly stay in one page for a while. */
  private long lastPageNo = -1;
  private @Nullable Page lastPage;

  private @Nullable Page page(long pageNo) {
    if (pageNo != lastPageNo) {
      lastPage = pages.get(pageNo);
      lastPageNo = pageNo;
    }
    return lastPage;
  }

  @Nullable JobRecord get(long seq) {
    Page p = seq < 0 ? null : page(seq >>> PAGE_BITS);
    return p == null ? null : p.slots[(int) (seq & (PAGE - 1))];
  }

  /** Holds {@code job} under its sequence, in place of any job held there. */
  void put(JobRecord job) {
    long pageNo = job.seq >>> PAGE_BITS;
    Page p = page(pageNo);
    if (p == null) {
      p = new Page();
      pages.put(pageNo, p);
      lastPage = p;
    }
    int slot = (int) (job.seq & (PAGE - 1));
    if (p.slots[slot] == null) {
      p.live++;
      size++;
    }
    p.slots[slot] = job;
  }

  void remove(long seq) {
    long pageNo = seq >>> PAGE_BITS;
    Page p = page(pageNo);
    int slot = (int) (seq & (PAGE - 1));
    if (p == null || p.slots[slot] == null) {
      return;
    }
    p.slots[slot] = null;
    size--;
    if (--p.live == 0) {
      pages.remove(pageNo);
      lastPage = null;
    }
  }

  int size() {
    return size;
  }

  /** Every job held, in no order (a view: do not change the index while walking it). */
  java.util.Collection<JobRecord> all() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<JobRecord> iterator() {
        Iterator<Page> ps = pages.values().iterator();
        return new Iterator<>() {
          private JobRecord @Nullable [] slots;
          private int i;
          private @Nullable JobRecord next = advance();

          private @Nullable JobRecord advance() {
            while (true) {
              if (slots != null) {
                while (i < PAGE) {
                  JobRecord j = slots[i++];
                  if (j != null) {
                    return j;
                  }
                }
              }
              if (!ps.hasNext()) {
                return null;
              }
              slots = ps.next().slots;
              i = 0;
            }
          }

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public JobRecord next() {
            JobRecord j = next;
            if (j == null) {
              throw new NoSuchElementException();
            }
            next = advance();
            return j;
          }
        };
      }

      @Override
      public int size() {
        return size;
      }
    };
  }
}
