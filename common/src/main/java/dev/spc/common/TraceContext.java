package dev.spc.common;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) as SPC carries it from a submit to the
 * job's run: the {@code traceparent} and {@code tracestate} headers, kept verbatim with the job.
 */
public final class TraceContext {
  /** The header (gRPC metadata, HTTP) and environment names. */
  public static final String TRACEPARENT = "traceparent";
  public static final String TRACESTATE = "tracestate";
  public static final int MAX_TRACESTATE = 512;
  private static final Pattern PARENT =
      Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  private TraceContext() {}

  /**
   * Whether {@code traceparent} is one to keep: the version-00 layout (later versions may add
   * fields after these), not version ff, and neither id all zeros.
   */
  public static boolean valid(@Nullable String traceparent) {
    if (traceparent == null || traceparent.length() < 55
        || !PARENT.matcher(traceparent.substring(0, 55)).matches()
        || (traceparent.length() > 55 && (traceparent.startsWith("00") || traceparent.charAt(55) != '-'))) {
      return false;
    }
    return !traceparent.startsWith("ff") && !traceparent.substring(3, 35).matches("0+")
        && !traceparent.substring(36, 52).matches("0+");
  }

  /** What is wrong with a job's trace fields, naming them under {@code field}; null if nothing. */
  public static @Nullable String check(String field, String traceparent, String tracestate) {
    if (!traceparent.isEmpty() && !valid(traceparent)) {
      return field + ".traceparent must be a W3C traceparent, 00-<32 hex trace id>-<16 hex parent"
          + " id>-<2 hex flags> with non-zero ids, got '"
          + (traceparent.length() > 80 ? traceparent.substring(0, 80) + "..." : traceparent) + "'";
    }
    if (tracestate.length() > MAX_TRACESTATE) {
      return field + ".tracestate is " + tracestate.length() + " characters, limit " + MAX_TRACESTATE;
    }
    if (!tracestate.isEmpty() && traceparent.isEmpty()) {
      return field + ".tracestate needs a traceparent";
    }
    return null;
  }
}
