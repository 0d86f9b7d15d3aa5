package dev.spc.client;

import java.util.List;

/**
 * The concurrency and rate limits a coordinator enforces ({@link AdminClient#limits()}).
 *
 * @param concurrency keys with a limit set, or with jobs running or waiting
 * @param rates the types whose starts are rate-limited
 */
public record Limits(List<Concurrency> concurrency, List<Rate> rates) {
  /** A concurrency key: its limit, the jobs with it running, and the pending ones it holds back. */
  public record Concurrency(String key, int limit, int running, int waiting) {}

  /** A type's token bucket: its rate, its size, and the tokens in it now. */
  public record Rate(String type, double perSecond, int burst, double tokens) {}

  static Concurrency fromProto(dev.spc.proto.ConcurrencyLimit c) {
    return new Concurrency(c.getKey(), c.getLimit(), c.getRunning(), c.getWaiting());
  }

  static Rate fromProto(dev.spc.proto.RateLimit r) {
    return new Rate(r.getType(), r.getPerSecond(), r.getBurst(), r.getTokens());
  }
}
