package dev.spc.server.loop;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Job ids are {@code <incarnation>-<sequence>}: the incarnation is the coordinator's start time in
 * base 36, so ids are never reused across restarts; the sequence counts submissions.
 */
final class JobIds {
  private static final Pattern FORMAT = Pattern.compile("[0-9a-z]{1,13}-[0-9]{1,18}");
  static final int MAX_LENGTH = 32;

  private final String incarnation;

  JobIds(String incarnation) {
    this.incarnation = incarnation;
  }

  /** A fresh incarnation: the start time in base 36. */
  static String newIncarnation(long startEpochMillis) {
    return Long.toString(startEpochMillis, 36);
  }

  String incarnation() {
    return incarnation;
  }

  String format(long seq) {
    return incarnation + "-" + seq;
  }

  /**
   * The sequence of an id this coordinator issued, -1 for a well-formed id of another
   * incarnation; {@code null} when the id is malformed.
   */
  @Nullable Long parse(String id) {
    if (id.length() > MAX_LENGTH || !FORMAT.matcher(id).matches()) {
      return null;
    }
    int dash = id.indexOf('-');
    if (!id.regionMatches(0, incarnation, 0, dash) || dash != incarnation.length()) {
      return -1L;
    }
    return Long.parseLong(id, dash + 1, id.length(), 10);
  }

  static String malformed(String field, String id) {
    String shown = id.length() > 40 ? id.substring(0, 40) + "..." : id;
    return field + " is malformed: '" + shown + "' (expected an id returned by SubmitJob, like 'mi8tq1k0-42')";
  }
}
