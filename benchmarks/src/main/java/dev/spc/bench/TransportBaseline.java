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
 * and an {@link EchoServer}: one bidirectional stream, {@code window} small messages in flight,
 * each reply sending the next; then one message at a time (ping-pong). What the transport allows
 * on this machine, with nothing of SPC in between.
 */
final class TransportBaseline {
  private TransportBaseline() {}

  /** Round trips per second, and the ping-pong percentiles in milliseconds. */
  record Result(double roundTripsPerSecond, double p50, double p99, double p999) {
    String line() {
      return roundTripsPerSecond + " " + p50 + " " + p99 + " " + p999;
    }

    static Result parse(String line) {
      String[] f = line.trim().split(" ");
      if (f.length != 4) {
        throw new IllegalArgumentException("not a transport result: " + line);
      }
      return new Result(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
          Double.parseDouble(f[3]));
    }
  }

  /**
   * Runs the baseline in processes of its own, with the cluster's JVM flags. The client used to
   * run inside the bench process, and what its JIT compiled and its heap grew to there slowed the
   * burn-down client that came after it: 196,719 jobs/s after the baseline against 224,211
   * without it (same minutes; client peak RSS 1,056 against 255 MiB).
   */
  static Result measure(ProcessCluster c, Path dir, int seconds, int window) throws Exception {
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
        List.of(target, Integer.toString(seconds), Integer.toString(window), resultFile.toString()));
    int rc = client.waitForExit(Duration.ofSeconds(4L * seconds + 120));
    if (rc != 0 || !Files.exists(resultFile)) {
      throw new IllegalStateException("transport client failed (exit " + rc + "): " + client.output());
    }
    return Result.parse(Files.readString(resultFile));
  }

  /** Usage: {@code TransportBaseline TARGET SECONDS WINDOW RESULT_FILE}; writes a {@link Result}. */
  public static void main(String[] args) throws Exception {
    String target = args[0];
    Duration duration = Duration.ofSeconds(Integer.parseInt(args[1]));
    int window = Integer.parseInt(args[2]);
    roundTripsPerSecond(target, Duration.ofSeconds(2), window); // warm-up
    double rps = roundTripsPerSecond(target, duration, window);
    double[] pingPong = pingPongMillis(target, duration);
    Result r = new Result(rps, Latency.percentile(pingPong, 50), Latency.percentile(pingPong, 99),
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
