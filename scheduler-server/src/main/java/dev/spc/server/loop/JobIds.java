package dev.spc.server.loop;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Pattern FORMAT =
      Pattern.compile("([0-9a-z]{1,13})-(?:([0-9]{1,7})-)?([0-9]{1,13})");
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
    if (id.length() > MAX_LENGTH) {
      return null;
    }
    long own = ownSequence(id);
    if (own >= 0) {
      return own;
    }
    Matcher m = FORMAT.matcher(id);
    if (!m.matches()) {
      return null;
    }
    Long seq = sequence(m);
    if (seq == null) {
      return null;
    }
    return m.group(1).equals(incarnation) ? seq : -1L;
  }

  /**
   * The sequence of a well-formed id of this store, read without a regular expression (a restart
   * reads a million of them); -1 for anything else, which {@link #FORMAT} then judges.
   */
  private long ownSequence(String id) {
    int at = incarnation.length();
    if (!id.startsWith(incarnation) || id.length() <= at + 1 || id.charAt(at) != '-') {
      return -1;
    }
    int dash = id.indexOf('-', at + 1);
    long term = 0;
    if (dash >= 0) {
      term = digits(id, at + 1, dash, 7);
      if (term <= 0 || term > MAX_TERM) {
        return -1;
      }
      at = dash;
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

  /** The sequence of a well-formed id of any incarnation (the store's key), or -1. */
  public static long sequenceOf(String id) {
    Matcher m = FORMAT.matcher(id);
    Long seq = id.length() <= MAX_LENGTH && m.matches() ? sequence(m) : null;
    return seq == null ? -1 : seq;
  }

  private static @Nullable Long sequence(Matcher m) {
    String t = m.group(2);
    long termPart = t == null ? 0 : Long.parseLong(t);
    long counter = Long.parseLong(m.group(3));
    if (termPart > MAX_TERM || counter >= 1L << COUNTER_BITS || (t != null && termPart == 0)) {
      return null;
    }
    return base(termPart) + counter;
  }

  static String malformed(String field, String id) {
    String shown = id.length() > 40 ? id.substring(0, 40) + "..." : id;
    return field + " is malformed: '" + shown
        + "' (expected an id returned by SubmitJob, like 'mi8tq1k0-3-42')";
  }
}
