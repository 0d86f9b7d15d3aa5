package dev.spc.server.loop;

import dev.spc.proto.JobSpec;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Rule 14 for job specs: every refusal names the field and the limit. */
final class SpecValidator {
  static final Pattern TYPE = dev.spc.common.Limits.JOB_TYPE;
  static final int MAX_IDEMPOTENCY_KEY = 256;
  static final int MAX_ENV_BYTES = 64 << 10;
  static final int MAX_CWD = 4096;
  /** Start times and expiries reach at most this far ahead. */
  static final long MAX_AHEAD_MS = 366L * 24 * 3600 * 1000;

  private final CoordinatorConfig cfg;
  /** The constraints of the spec last checked (when it passed). */
  private java.util.Map<String, String> lastConstraints = java.util.Map.of();

  java.util.Map<String, String> lastConstraints() {
    return lastConstraints;
  }

  /** Batches are mostly of one type: remember the last type that passed. */
  private String lastValidType = "";

  SpecValidator(CoordinatorConfig cfg) {
    this.cfg = cfg;
  }

  /** The problem with {@code spec}, prefixed by {@code field} ("job", "jobs[3]"), or null. */
  @Nullable String check(String field, JobSpec spec, java.time.Instant now) {
    String type = spec.getType();
    if (type.isEmpty()) {
      return field + ".type must not be empty";
    }
    if (!type.equals(lastValidType) && !TYPE.matcher(type).matches()) {
      return field + ".type must be 1-128 characters of [A-Za-z0-9._:/-] starting with a letter"
          + " or digit, got '" + shorten(type) + "'";
    }
    lastValidType = type;
    if (spec.hasMaxSeconds()) {
      int s = spec.getMaxSeconds();
      if (s < 0 || s > cfg.maxSeconds()) {
        return field + ".max_seconds must be between 0 and " + cfg.maxSeconds() + ", got " + s;
      }
    }
    if (spec.getPayload().size() > cfg.maxPayloadBytes()) {
      return field + ".payload is " + spec.getPayload().size() + " bytes, limit "
          + cfg.maxPayloadBytes();
    }
    long argBytes = 0;
    for (int i = 0; i < spec.getArgsCount(); i++) {
      // UTF-8 length without encoding: every char counts at least once; non-ASCII is rare here.
      String a = spec.getArgs(i);
      argBytes += isAscii(a) ? a.length() : a.getBytes(StandardCharsets.UTF_8).length;
    }
    if (argBytes > cfg.maxArgsBytes()) {
      return field + ".args total " + argBytes + " bytes, limit " + cfg.maxArgsBytes();
    }
    long envBytes = 0;
    for (var e : spec.getEnvCount() == 0 ? java.util.Set.<java.util.Map.Entry<String, String>>of()
        : spec.getEnvMap().entrySet()) {
      String k = e.getKey();
      if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0 || e.getValue().indexOf('\0') >= 0) {
        return field + ".env has a bad variable name '" + shorten(k)
            + "' (must be non-empty, without '=' or NUL)";
      }
      envBytes += k.length() + e.getValue().length();
    }
    if (envBytes > MAX_ENV_BYTES) {
      return field + ".env total " + envBytes + " bytes, limit " + MAX_ENV_BYTES;
    }
    if (spec.getCwd().length() > MAX_CWD) {
      return field + ".cwd is " + spec.getCwd().length() + " characters, limit " + MAX_CWD;
    }
    if (spec.getIdempotencyKey().length() > MAX_IDEMPOTENCY_KEY) {
      return field + ".idempotency_key is " + spec.getIdempotencyKey().length()
          + " characters, limit " + MAX_IDEMPOTENCY_KEY;
    }
    if (spec.getLabelsCount() > 0) {
      String bad = Labels.check(field + ".labels", spec.getLabelsMap());
      if (bad != null) {
        return bad;
      }
    }
    if (spec.getDependsOnCount() > 0 || spec.getDependsOnIndexCount() > 0
        || spec.getOnDependencyFailureValue() != 0) {
      String bad = Dependencies.check(field, spec);
      if (bad != null) {
        return bad;
      }
    }
    if (!spec.getTraceparent().isEmpty() || !spec.getTracestate().isEmpty()) {
      String bad = dev.spc.common.TraceContext.check(field, spec.getTraceparent(), spec.getTracestate());
      if (bad != null) {
        return bad;
      }
    }
    if (spec.getConcurrencyKey().length() > ConcurrencyKeys.MAX_KEY) {
      return ConcurrencyKeys.checkKey(field + ".concurrency_key", spec.getConcurrencyKey());
    }
    // A protobuf map accessor allocates on every call: read the constraints once, for the job too.
    java.util.Map<String, String> constraints = Labels.constraintsOf(spec);
    lastConstraints = constraints;
    if (!constraints.isEmpty()) {
      String bad = Labels.check(field + ".constraints", constraints);
      if (bad != null) {
        return bad;
      }
    }
    return spec.hasRetry() || spec.hasStartAfter() || spec.hasStartAt() || spec.hasExpireAfter()
        ? checkTimes(field, spec, now) : null;
  }

  /** Retries, start times and expiry: durations not negative, times within a year. */
  private @Nullable String checkTimes(String field, JobSpec spec, java.time.Instant now) {
    if (spec.hasRetry()) {
      String bad = Retries.check(field, spec.getRetry(), cfg);
      if (bad != null) {
        return bad;
      }
    }
    if (spec.hasStartAfter() && spec.hasStartAt()) {
      return field + ".start_after and .start_at must not both be set";
    }
    if (spec.hasStartAfter()) {
      String bad = Retries.durationProblem(field + ".start_after", spec.getStartAfter(), MAX_AHEAD_MS);
      if (bad != null) {
        return bad;
      }
    }
    if (spec.hasStartAt()) {
      com.google.protobuf.Timestamp t = spec.getStartAt();
      if (t.getNanos() < 0 || t.getNanos() > 999_999_999 || t.getSeconds() < 0) {
        return field + ".start_at is not a valid time";
      }
      if (t.getSeconds() > now.getEpochSecond() + MAX_AHEAD_MS / 1000) {
        return field + ".start_at must be at most 366 days ahead, got "
            + java.time.Instant.ofEpochSecond(t.getSeconds());
      }
    }
    if (spec.hasExpireAfter()) {
      return Retries.durationProblem(field + ".expire_after", spec.getExpireAfter(), MAX_AHEAD_MS);
    }
    return null;
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
