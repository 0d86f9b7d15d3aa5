package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.RateLimit;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rate limits: starts of jobs of a type are limited by a token bucket (tokens added at
 * {@code per_second}, at most {@code burst} kept), across all workers. A type whose bucket is
 * empty is left out of dispatch, and the loop wakes when its next token is due. Limits are stored
 * settings ("per_second/burst"), read back at recovery; buckets start full.
 */
final class RateLimits {
  private static final Log log = Log.get(RateLimits.class);
  static final String SETTING = "rate_limit.";
  static final double MAX_RATE = 1_000_000;
  static final int MAX_BURST = 1_000_000;

  private static final class Bucket {
    final double perSecond;
    final int burst;
    double tokens;
    long lastNanos;

    Bucket(double perSecond, int burst, long nowNanos) {
      this.perSecond = perSecond;
      this.burst = burst;
      this.tokens = burst;
      this.lastNanos = nowNanos;
    }

    void refill(long nowNanos) {
      tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * perSecond / 1e9);
      lastNanos = nowNanos;
    }
  }

  private final Clock clock;
  private final Durability commits;
  private final Map<String, Bucket> byType = new HashMap<>();
  /** When a token is due for a type dispatch left out (MAX_VALUE if none). */
  private long wakeAtNanos = Long.MAX_VALUE;

  RateLimits(Clock clock, Durability commits, Map<String, String> settings) {
    this.clock = clock;
    this.commits = commits;
    settings.forEach((name, value) -> {
      if (name.startsWith(SETTING) && !value.isEmpty()) {
        try {
          int slash = value.indexOf('/');
          byType.put(name.substring(SETTING.length()), new Bucket(Double.parseDouble(value.substring(0, slash)),
              Integer.parseInt(value.substring(slash + 1)), clock.nanos()));
        } catch (RuntimeException e) {
          log.warn("ignored a stored rate limit that is not 'per_second/burst'", "setting", name);
        }
      }
    });
  }

  /** Whether a job of {@code type} may start now; if not, the loop is woken when it may. */
  boolean open(String type) {
    if (byType.isEmpty()) {
      return true;
    }
    Bucket b = byType.get(type);
    if (b == null) {
      return true;
    }
    long now = clock.nanos();
    b.refill(now);
    if (b.tokens >= 1) {
      return true;
    }
    long due = now + Math.max(1, (long) Math.ceil((1 - b.tokens) / b.perSecond * 1e9));
    wakeAtNanos = Math.min(wakeAtNanos, due);
    return false;
  }

  /** A job of {@code type} started: it takes a token. */
  void took(String type) {
    if (!byType.isEmpty()) {
      Bucket b = byType.get(type);
      if (b != null) {
        b.tokens -= 1;
      }
    }
  }

  /** Nanoseconds until a token is due for a type left out (MAX_VALUE if none). */
  long nanosToWake() {
    return wakeAtNanos == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, wakeAtNanos - clock.nanos());
  }

  /** True (once) if a token a type waited for is due now: dispatch should run. */
  boolean due() {
    if (wakeAtNanos != Long.MAX_VALUE && clock.nanos() - wakeAtNanos >= 0) {
      wakeAtNanos = Long.MAX_VALUE;
      return true;
    }
    return false;
  }

  /** Why a pending job of {@code type} waits for its type's bucket ("" if it does not). */
  String heldBack(String type) {
    Bucket b = byType.isEmpty() ? null : byType.get(type);
    if (b == null) {
      return "";
    }
    b.refill(clock.nanos());
    return b.tokens >= 1 ? "" : "held back by the rate limit of type '" + type + "' ("
        + b.perSecond + "/s, burst " + b.burst + ")";
  }

  void set(dev.spc.proto.SetRateLimitRequest req, Reply<RateLimit> reply) {
    String type = req.getType();
    String problem = type.isEmpty() ? "type must not be empty"
        : !SpecValidator.TYPE.matcher(type).matches() ? "type must be 1-128 characters of"
            + " [A-Za-z0-9._:/-] starting with a letter or digit, got '" + SpecValidator.shorten(type) + "'"
        : null;
    double rate = req.getPerSecond();
    int burst = req.getBurst() == 0 ? (int) Math.min(MAX_BURST, Math.ceil(rate)) : req.getBurst();
    if (problem == null && !req.getRemove()) {
      if (!(rate > 0 && rate <= MAX_RATE)) {
        problem = "per_second must be above 0 and at most " + (long) MAX_RATE + ", got " + rate;
      } else if (burst < 1 || burst > MAX_BURST) {
        problem = "burst must be between 1 and " + MAX_BURST + ", got " + req.getBurst();
      }
    }
    if (problem != null) {
      reply.fail(Failure.invalid(problem));
      return;
    }
    if (commits.refuseWrite(reply)) {
      return;
    }
    if (req.getRemove()) {
      byType.remove(type);
      commits.setting(SETTING + type, "");
      wakeAtNanos = clock.nanos(); // jobs it held back may start now
      log.info("rate limit removed", "type", type);
      reply.ok(RateLimit.newBuilder().setType(type).build());
      return;
    }
    Bucket old = byType.get(type);
    Bucket b = new Bucket(rate, burst, clock.nanos());
    if (old != null) {
      old.refill(clock.nanos());
      b.tokens = Math.min(burst, old.tokens); // a new rate does not hand out a fresh burst
    }
    byType.put(type, b);
    commits.setting(SETTING + type, rate + "/" + burst);
    wakeAtNanos = clock.nanos();
    log.info("rate limit set", "type", type, "per_second", rate, "burst", burst);
    reply.ok(view(type, b));
  }

  private static RateLimit view(String type, Bucket b) {
    return RateLimit.newBuilder().setType(type).setPerSecond(b.perSecond).setBurst(b.burst)
        .setTokens(b.tokens).build();
  }

  Iterable<RateLimit> all() {
    TreeMap<String, RateLimit> out = new TreeMap<>();
    long now = clock.nanos();
    byType.forEach((t, b) -> {
      b.refill(now);
      out.put(t, view(t, b));
    });
    return out.values();
  }
}
