package dev.spc.server.store;

import java.util.Arrays;

/**
 * Each job's latest row in the logs, by sequence: where its fixed part and its latest state are
 * (references into mapped files, see {@link LogFold}), or that it was deleted. Open addressing
 * over three arrays, so that folding a log of a million rows makes three arrays, not millions of
 * objects for the collector to trace and copy.
 */
final class SeqRefs {
  static final long NONE = -1;
  private static final long DELETED = -2;
  private static final long EMPTY = Long.MIN_VALUE;

  private long[] keys = new long[1 << 10];
  private long[] fixed = new long[1 << 10];
  private long[] state = new long[1 << 10];
  private int size;
  private int live;

  SeqRefs() {
    Arrays.fill(keys, EMPTY);
  }

  private int slot(long seq) {
    int mask = keys.length - 1;
    long h = seq * 0x9E3779B97F4A7C15L;
    int i = (int) (h ^ (h >>> 32)) & mask;
    while (keys[i] != EMPTY && keys[i] != seq) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** A row of {@code seq}: its state at {@code stateRef}, and its fixed part if not {@link #NONE}. */
  void put(long seq, long fixedRef, long stateRef) {
    int i = slot(seq);
    if (keys[i] == EMPTY) {
      keys[i] = seq;
      fixed[i] = fixedRef;
      state[i] = stateRef;
      size++;
      live++;
      if (size * 3 > keys.length * 2) {
        grow();
      }
      return;
    }
    if (state[i] == DELETED) {
      live++;
    }
    if (fixedRef != NONE) {
      fixed[i] = fixedRef;
    }
    state[i] = stateRef;
  }

  void delete(long seq) {
    int i = slot(seq);
    if (keys[i] == EMPTY) {
      keys[i] = seq;
      size++;
      if (size * 3 > keys.length * 2) {
        state[i] = DELETED;
        fixed[i] = NONE;
        grow();
        return;
      }
    } else if (state[i] != DELETED) {
      live--;
    }
    state[i] = DELETED;
    fixed[i] = NONE;
  }

  private void grow() {
    long[] k = keys;
    long[] f = fixed;
    long[] s = state;
    keys = new long[k.length * 2];
    fixed = new long[k.length * 2];
    state = new long[k.length * 2];
    Arrays.fill(keys, EMPTY);
    for (int j = 0; j < k.length; j++) {
      if (k[j] != EMPTY) {
        int i = slot(k[j]);
        keys[i] = k[j];
        fixed[i] = f[j];
        state[i] = s[j];
      }
    }
  }

  /** Whether the logs say anything of {@code seq}. */
  boolean has(long seq) {
    return keys[slot(seq)] != EMPTY;
  }

  boolean deleted(long seq) {
    int i = slot(seq);
    return keys[i] != EMPTY && state[i] == DELETED;
  }

  /** The reference of {@code seq}'s fixed part in the logs, or {@link #NONE}. */
  long fixed(long seq) {
    int i = slot(seq);
    return keys[i] == EMPTY ? NONE : fixed[i];
  }

  /** The reference of {@code seq}'s latest state ({@link #has} it, not deleted). */
  long state(long seq) {
    return state[slot(seq)];
  }

  /** The sequences with a row (not deleted), in order. */
  long[] liveSorted() {
    long[] out = new long[live];
    int n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY && state[i] != DELETED) {
        out[n++] = keys[i];
      }
    }
    Arrays.sort(out);
    return out;
  }
}
