package dev.spc.server.store;

import java.util.Arrays;

/**
 * Each job's latest row in the logs, by sequence: where its fixed part and its latest state are
 * (references into mapped files, see {@link LogFold}), or that it was deleted.
 *
 * <p>Sequences are handed out one after another, so a log's rows come in runs of neighbouring
 * sequences. They are kept in pages of {@link #PAGE} neighbours: a page's entries sit side by side
 * in two long arrays, and a small open-addressing table finds a page by its number. Reading a log
 * then walks the arrays nearly in order instead of missing the cache once a row (a table keyed by
 * sequence did: half of a fold's time), the sequences come out in order by sorting the pages
 * alone, and a fold of a million rows makes a few arrays, not millions of objects for the
 * collector to trace and copy. Sequences far apart cost a page each, 512 bytes.
 */
final class SeqRefs {
  static final long NONE = -1;
  private static final long DELETED = -2;
  private static final long EMPTY = Long.MIN_VALUE;
  private static final int PAGE_BITS = 5;
  private static final int PAGE = 1 << PAGE_BITS;

  /** Page numbers by slot ({@link #EMPTY}: free) and where each page's entries start. */
  private long[] pageKeys = new long[64];
  private int[] pageBase = new int[64];
  private int pages;
  /** Entries by page base + the sequence's place in its page; {@link #EMPTY} state: no row. */
  private long[] fixed = new long[16 * PAGE];
  private long[] state = new long[16 * PAGE];
  private int live;
  /** The page last found (sequences come in runs): its number and base, or none. */
  private long lastPage = EMPTY;
  private int lastBase;

  SeqRefs() {
    Arrays.fill(pageKeys, EMPTY);
  }

  private static int hash(long page, int mask) {
    long h = page * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private int pageSlot(long page) {
    int mask = pageKeys.length - 1;
    int i = hash(page, mask);
    while (pageKeys[i] != EMPTY && pageKeys[i] != page) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** Where {@code seq}'s entry is, or -1 if its page has none (and {@code add} is false). */
  private int index(long seq, boolean add) {
    long page = seq >> PAGE_BITS;
    int at = (int) seq & (PAGE - 1);
    if (page == lastPage) {
      return lastBase + at;
    }
    int i = pageSlot(page);
    if (pageKeys[i] == EMPTY) {
      if (!add) {
        return -1;
      }
      i = addPage(i, page);
    }
    lastPage = page;
    lastBase = pageBase[i];
    return lastBase + at;
  }

  private int addPage(int slot, long page) {
    int base = pages * PAGE;
    if (base + PAGE > state.length) {
      int n = state.length * 2;
      fixed = Arrays.copyOf(fixed, n);
      state = Arrays.copyOf(state, n);
    }
    Arrays.fill(state, base, base + PAGE, EMPTY);
    pageKeys[slot] = page;
    pageBase[slot] = base;
    pages++;
    if (pages * 2 > pageKeys.length) {
      long[] k = pageKeys;
      int[] b = pageBase;
      pageKeys = new long[k.length * 2];
      pageBase = new int[k.length * 2];
      Arrays.fill(pageKeys, EMPTY);
      for (int j = 0; j < k.length; j++) {
        if (k[j] != EMPTY) {
          int s = pageSlot(k[j]);
          pageKeys[s] = k[j];
          pageBase[s] = b[j];
        }
      }
      slot = pageSlot(page);
    }
    return slot;
  }

  /** A row of {@code seq}: its state at {@code stateRef}, and its fixed part if not {@link #NONE}. */
  void put(long seq, long fixedRef, long stateRef) {
    int i = index(seq, true);
    long s = state[i];
    if (s == EMPTY || s == DELETED) {
      live++;
      if (s == EMPTY) {
        fixed[i] = NONE;
      }
    }
    if (fixedRef != NONE) {
      fixed[i] = fixedRef;
    }
    state[i] = stateRef;
  }

  void delete(long seq) {
    int i = index(seq, true);
    long s = state[i];
    if (s != EMPTY && s != DELETED) {
      live--;
    }
    state[i] = DELETED;
    fixed[i] = NONE;
  }

  /** Whether the logs say anything of {@code seq}. */
  boolean has(long seq) {
    int i = index(seq, false);
    return i >= 0 && state[i] != EMPTY;
  }

  boolean deleted(long seq) {
    int i = index(seq, false);
    return i >= 0 && state[i] == DELETED;
  }

  /** The reference of {@code seq}'s fixed part in the logs, or {@link #NONE}. */
  long fixed(long seq) {
    int i = index(seq, false);
    return i < 0 || state[i] == EMPTY ? NONE : fixed[i];
  }

  /** The reference of {@code seq}'s latest state ({@link #has} it, not deleted). */
  long state(long seq) {
    return state[index(seq, false)];
  }

  /** The sequences with a row (not deleted), in order. */
  long[] liveSorted() {
    long[] order = new long[pages];
    int n = 0;
    for (long k : pageKeys) {
      if (k != EMPTY) {
        order[n++] = k;
      }
    }
    Arrays.sort(order);
    long[] out = new long[live];
    n = 0;
    for (long page : order) {
      int base = pageBase[pageSlot(page)];
      for (int at = 0; at < PAGE; at++) {
        long s = state[base + at];
        if (s != EMPTY && s != DELETED) {
          out[n++] = page << PAGE_BITS | at;
        }
      }
    }
    return out;
  }
}
