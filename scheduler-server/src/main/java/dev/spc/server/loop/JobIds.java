package dev.spc.server.loop;

import org.jspecify.annotations.Nullable;

/**
 * Job ids name the store, the term that issued them and a counter:
 * {@code <incarnation>-<term>-<counter>}, like {@code mi8tq1k0-3-42}.
 *
 * <p>The incarnation is the base-36 creation time of the store (or of an in-memory coordinator's
 * start), fixed once. The term is the leadership epoch of a coordinator in a cluster, or a
 * counter a coordinator alone increments durably at every start: no two terms of one store issue
 * the same id, whatever the clocks say, and an id is never reused even after its job was
 * forgotten. Inside the coordinator a job is keyed by its sequence, {@code term << 40 | counter},
 * so sequences grow with terms.
 *
 * <p>Term 0 is an in-memory coordinator's and that of stores written before terms existed; its ids
 * are {@code <incarnation>-<counter>}, which stay valid.
 */
public final class JobIds {
  static final int MAX_LENGTH = 36;
  /** Bits of a sequence that count inside a term. */
  static final int COUNTER_BITS = 40;
  /** Terms are below this (leases ids share the layout: 2^23 terms of 2^40 ids). */
  public static final long MAX_TERM = (1L << 23) - 1;

  private final String incarnation;
  private final long term;

  JobIds(String incarnation) {
    this(incarnation, 0);
  }

  JobIds(String incarnation, long term) {
    if (term < 0 || term > MAX_TERM) {
      throw new IllegalArgumentException("term must be between 0 and " + MAX_TERM + ", got " + term);
    }
    this.incarnation = incarnation;
    this.term = term;
  }

  /** A fresh incarnation: the start time in base 36. */
  static String newIncarnation(long startEpochMillis) {
    return Long.toString(startEpochMillis, 36);
  }

  String incarnation() {
    return incarnation;
  }

  /** The first sequence this term issues. */
  long firstSeq() {
    return base(term) + 1;
  }

  /** The sequences of a term run from {@code base(term) + 1}. */
  static long base(long term) {
    return term << COUNTER_BITS;
  }

  static long termOf(long seq) {
    return seq >>> COUNTER_BITS;
  }

  String format(long seq) {
    long t = termOf(seq);
    long counter = seq - base(t);
    return t == 0 ? incarnation + "-" + counter : incarnation + "-" + t + "-" + counter;
  }

  /**
   * The sequence of an id this store issued, -1 for a well-formed id of another incarnation;
   * {@code null} when the id is malformed.
   */
  @Nullable Long parse(String id) {
    long seq = sequenceOf(id);
    if (seq < 0) {
      return null;
    }
    return id.startsWith(incarnation) && id.charAt(incarnation.length()) == '-' ? seq : -1L;
  }

  /**
   * The sequence of a well-formed id of any incarnation (the store's key), or -1. Well-formed is
   * {@code [0-9a-z]{1,13}-([0-9]{1,7}-)?[0-9]{1,13}}, with a term from 1 to {@link #MAX_TERM} and
   * a counter below 2^40; read by hand, not by a regular expression: the store writer keys every
   * row it writes by it, and a restart reads a million.
   */
  public static long sequenceOf(String id) {
    if (id.length() > MAX_LENGTH) {
      return -1;
    }
    int dash = id.indexOf('-');
    if (dash < 1 || dash > 13) {
      return -1;
    }
    for (int i = 0; i < dash; i++) {
      char c = id.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'z')) {
        return -1;
      }
    }
    int at = dash;
    long term = 0;
    int second = id.indexOf('-', dash + 1);
    if (second >= 0) {
      term = digits(id, dash + 1, second, 7);
      if (term <= 0 || term > MAX_TERM) {
        return -1;
      }
      at = second;
    }
    long counter = digits(id, at + 1, id.length(), 13);
    return counter < 0 || counter >= 1L << COUNTER_BITS ? -1 : base(term) + counter;
  }

  /** The decimal number in {@code s[from, to)} of 1 to {@code max} digits, or -1. */
  private static long digits(String s, int from, int to, int max) {
    if (to - from < 1 || to - from > max) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  static String malformed(String field, String id) {
    String shown = id.length() > 40 ? id.substring(0, 40) + "..." : id;
    return field + " is malformed: '" + shown
        + "' (expected an id returned by SubmitJob, like 'mi8tq1k0-3-42')";
  }
}
