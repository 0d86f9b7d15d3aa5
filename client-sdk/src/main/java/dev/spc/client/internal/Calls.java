package dev.spc.client.internal;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.spc.client.SpcException;
import dev.spc.common.Backoff;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** The SDK's plumbing: gRPC futures as CompletableFutures, blocking joins, and retries. */
public final class Calls {
  /** Submit retries: 50 ms doubling to 2 s, jittered. */
  static final Backoff RETRY = new Backoff(50, 2000);
  /**
   * Retries against a cluster of coordinators: 50 ms doubling to 500 ms. Another coordinator
   * takes over within a couple of seconds, and a standby's refusal costs it nothing.
   */
  public static final Backoff CLUSTER_RETRY = new Backoff(50, 500);

  private Calls() {}

  /** The call's answer mapped, or its failure as an {@link SpcException}; cancelling cancels it. */
  public static <R, T> CompletableFuture<T> call(ListenableFuture<R> f, Function<R, T> map) {
    CompletableFuture<T> out = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterrupt) {
        f.cancel(mayInterrupt);
        return super.cancel(mayInterrupt);
      }
    };
    Futures.addCallback(f, new FutureCallback<R>() {
      @Override
      public void onSuccess(@Nullable R r) {
        try {
          out.complete(map.apply(java.util.Objects.requireNonNull(r, "a call answered nothing")));
        } catch (RuntimeException e) {
          out.completeExceptionally(e);
        }
      }

      @Override
      public void onFailure(Throwable t) {
        out.completeExceptionally(SpcException.from(t));
      }
    }, MoreExecutors.directExecutor());
    return out;
  }

  /** Waits for {@code f}; failures as {@link SpcException}s, an interrupt as CANCELLED. */
  public static <T> T join(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw SpcException.from(io.grpc.Status.CANCELLED.withDescription("interrupted")
          .asRuntimeException());
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw SpcException.from(c == null ? e : c);
    } catch (CancellationException e) {
      throw SpcException.from(io.grpc.Status.CANCELLED.withDescription("cancelled")
          .asRuntimeException());
    }
  }

  /**
   * Retries {@code attempt} on UNAVAILABLE with jittered exponential backoff, for up to
   * {@code timeout}. Only for calls that are safe to repeat.
   */
  public static <T> CompletableFuture<T> retrying(Supplier<CompletableFuture<T>> attempt,
      Duration timeout) {
    return retrying(attempt, timeout, RETRY);
  }

  /** Like {@link #retrying(Supplier, Duration)}, waiting as {@code backoff} says between tries. */
  public static <T> CompletableFuture<T> retrying(Supplier<CompletableFuture<T>> attempt,
      Duration timeout, Backoff backoff) {
    return retrying(attempt, timeout, backoff, c -> c instanceof SpcException.Unavailable);
  }

  /** Like {@link #retrying(Supplier, Duration, Backoff)}, retrying the failures {@code retry} accepts. */
  public static <T> CompletableFuture<T> retrying(Supplier<CompletableFuture<T>> attempt,
      Duration timeout, Backoff backoff, java.util.function.Predicate<Throwable> retry) {
    CompletableFuture<T> out = new CompletableFuture<>();
    attempt(attempt, out, System.nanoTime() + timeout.toNanos(), 0, backoff, retry);
    return out;
  }

  private static <T> void attempt(Supplier<CompletableFuture<T>> attempt, CompletableFuture<T> out,
      long deadlineNanos, int n, Backoff backoff, java.util.function.Predicate<Throwable> retry) {
    if (out.isDone()) {
      return;
    }
    var unused = attempt.get().whenComplete((v, e) -> {
      if (e == null) {
        out.complete(v);
        return;
      }
      Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      long backoffMs = backoff.delayMillis(n, ThreadLocalRandom.current());
      if (retry.test(c) && System.nanoTime() + backoffMs * 1_000_000 - deadlineNanos < 0) {
        CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS)
            .execute(() -> attempt(attempt, out, deadlineNanos, n + 1, backoff, retry));
      } else {
        out.completeExceptionally(c);
      }
    });
  }
}
