package dev.spc.bench;

import dev.spc.cli.local.ProcessCluster;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw grpc-java streaming round trips per second between two processes, a client ({@link #main})
 * and an {@link EchoServer}: one bidirectional stream, a window of small messages in flight, each
 * reply sending the next, at each of {@link #WINDOWS}; then one message at a time (ping-pong).
 * What the transport allows on this machine, with nothing of SPC in between.
 */
final class TransportBaseline {
  private TransportBaseline() {}

  /**
   * Messages in flight the round trips are measured at; the best counts. With both processes warm,
   * rates were 88,000-102,000 round trips/s at 10,000 in flight, 126,000-142,000 at 1,000 and
   * 87,000-173,000 at 300 (2 s each, one client process, 2026-12-05): the 10,000 this baseline used
   * to run alone understated the transport by a third.
   */
  static final String WINDOWS = "300,1000,10000";

  /**
   * Rounds the client runs before measuring, each half the measured length, cycling through the
   * windows: a fresh client ran 42,000 round trips/s in its first two seconds and 88,000-102,000
   * after (the JIT again).
   */
  static final int WARM_UP_ROUNDS = 5;

  /**
   * Round trips per second at the best window (and that window), and the ping-pong percentiles in
   * milliseconds.
   */
  record Result(double roundTripsPerSecond, int window, double p50, double p99, double p999) {
    String line() {
      return roundTripsPerSecond + " " + window + " " + p50 + " " + p99 + " " + p999;
    }

    static Result parse(String line) {
      String[] f = line.trim().split(" ");
      if (f.length != 5) {
        throw new IllegalArgumentException("not a transport result: " + line);
      }
      return new Result(Double.parseDouble(f[0]), Integer.parseInt(f[1]), Double.parseDouble(f[2]),
          Double.parseDouble(f[3]), Double.parseDouble(f[4]));
    }
  }

  /**
   * Runs the baseline in processes of its own, with the cluster's JVM flags. The client used to
   * run inside the bench process, and what its JIT compiled and its heap grew to there slowed the
   * burn-down client that came after it: 196,719 jobs/s after the baseline against 224,211
   * without it (same minutes; client peak RSS 1,056 against 255 MiB).
   */
  static Result measure(ProcessCluster c, Path dir, int seconds) throws Exception {
    Path portFile = dir.resolve("echo.port");
    Path resultFile = dir.resolve("transport.result");
    var echo = c.startJava("echo-server", EchoServer.class.getName(), List.of(portFile.toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(portFile)) {
      if (System.nanoTime() > deadline || !echo.process().isAlive()) {
        throw new IllegalStateException("echo server did not start: " + echo.output());
      }
      Thread.sleep(20);
    }
    String target = "127.0.0.1:" + Files.readString(portFile).trim();
    var client = c.startJava("transport-client", TransportBaseline.class.getName(),
        List.of(target, Integer.toString(seconds), WINDOWS, resultFile.toString()));
    int rc = client.waitForExit(Duration.ofSeconds(12L * seconds + 120));
    if (rc != 0 || !Files.exists(resultFile)) {
      throw new IllegalStateException("transport client failed (exit " + rc + "): " + client.output());
    }
    return Result.parse(Files.readString(resultFile));
  }

  /**
   * Usage: {@code TransportBaseline TARGET SECONDS WINDOWS RESULT_FILE}, the windows comma-separated;
   * writes a {@link Result}.
   */
  public static void main(String[] args) throws Exception {
    String target = args[0];
    Duration duration = Duration.ofSeconds(Integer.parseInt(args[1]));
    int[] windows = java.util.Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
    for (int round = 0; round < WARM_UP_ROUNDS; round++) {
      roundTripsPerSecond(target, duration.dividedBy(2), windows[round % windows.length]);
    }
    double best = 0;
    int bestWindow = windows[0];
    for (int window : windows) {
      double rps = roundTripsPerSecond(target, duration, window);
      if (rps > best) {
        best = rps;
        bestWindow = window;
      }
    }
    double[] pingPong = pingPongMillis(target, duration);
    Result r = new Result(best, bestWindow, Latency.percentile(pingPong, 50), Latency.percentile(pingPong, 99),
        Latency.percentile(pingPong, 99.9));
    Files.writeString(Path.of(args[3]), r.line());
  }

  static double roundTripsPerSecond(String target, Duration duration, int window)
      throws InterruptedException {
    ManagedChannel ch = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .directExecutor().build();
    try {
      byte[] msg = new byte[32];
      AtomicLong count = new AtomicLong();
      CountDownLatch done = new CountDownLatch(1);
      long end = System.nanoTime() + duration.toNanos();
      long[] startNanos = new long[1];
      long[] warmCount = new long[1];
      long warmUntil = System.nanoTime() + duration.toNanos() / 4;
      var out = new java.util.concurrent.atomic.AtomicReference<StreamObserver<byte[]>>();
      out.set(open(ch, done, m -> {
        long n = count.incrementAndGet();
        long now = System.nanoTime();
        if (startNanos[0] == 0 && now - warmUntil >= 0) {
          startNanos[0] = now;
          warmCount[0] = n;
        }
        if (now - end < 0) {
          synchronized (out) {
            java.util.Objects.requireNonNull(out.get()).onNext(msg);
          }
        } else if (done.getCount() > 0) {
          done.countDown();
        }
      }));
      synchronized (out) {
        for (int i = 0; i < window; i++) {
          java.util.Objects.requireNonNull(out.get()).onNext(msg);
        }
      }
      done.await(duration.toSeconds() + 30, TimeUnit.SECONDS);
      long measured = count.get() - warmCount[0];
      double secs = (System.nanoTime() - startNanos[0]) / 1e9;
      synchronized (out) {
        java.util.Objects.requireNonNull(out.get()).onCompleted();
      }
      return measured / secs;
    } finally {
      ch.shutdownNow();
    }
  }

  /**
   * Ping-pong on one stream: one small message in flight, each reply sending the next, for
   * {@code duration} after a quarter of it to warm up; the round trips' times in milliseconds,
   * sorted. What one message there and back costs on this machine at this moment, the floor
   * under any scheduling latency measured in the same run.
   */
  static double[] pingPongMillis(String target, Duration duration) throws InterruptedException {
    ManagedChannel ch = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .directExecutor().build();
    try {
      byte[] msg = new byte[32];
      long warmUntil = System.nanoTime() + duration.toNanos() / 4;
      long end = warmUntil + duration.toNanos();
      double[][] samples = {new double[1 << 16]};
      int[] n = {0};
      long[] sentAt = {0};
      CountDownLatch done = new CountDownLatch(1);
      var out = new java.util.concurrent.atomic.AtomicReference<StreamObserver<byte[]>>();
      out.set(open(ch, done, m -> {
        long now = System.nanoTime();
        if (now - warmUntil >= 0) {
          if (n[0] == samples[0].length) {
            samples[0] = java.util.Arrays.copyOf(samples[0], n[0] * 2);
          }
          samples[0][n[0]++] = (now - sentAt[0]) / 1e6;
        }
        if (now - end < 0) {
          sentAt[0] = System.nanoTime();
          java.util.Objects.requireNonNull(out.get()).onNext(msg);
        } else {
          done.countDown();
        }
      }));
      synchronized (out) {
        sentAt[0] = System.nanoTime();
        java.util.Objects.requireNonNull(out.get()).onNext(msg);
      }
      done.await(duration.toSeconds() * 2 + 30, TimeUnit.SECONDS);
      synchronized (out) {
        java.util.Objects.requireNonNull(out.get()).onCompleted();
      }
      double[] sorted = java.util.Arrays.copyOf(samples[0], n[0]);
      java.util.Arrays.sort(sorted);
      return sorted;
    } finally {
      ch.shutdownNow();
    }
  }

  /** A stream to the echo server: replies go to {@code onReply}; an error counts {@code done} down. */
  private static StreamObserver<byte[]> open(ManagedChannel ch, CountDownLatch done,
      java.util.function.Consumer<byte[]> onReply) {
    return ClientCalls.asyncBidiStreamingCall(ch.newCall(EchoServer.ECHO, CallOptions.DEFAULT),
        new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] m) {
            onReply.accept(m);
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {}
        });
  }
}
