package dev.spc.server.loop;

/**
 * Where the event loop sends the answer to one request. Called on the loop thread, exactly once;
 * implementations hand the answer to their transport without blocking.
 */
public interface Reply<T> {
  void ok(T value);

  void fail(Failure failure);

  /** A reply that completes {@code f} with the answer, or with null on a failure. */
  static <T> Reply<T> completing(java.util.concurrent.CompletableFuture<@org.jspecify.annotations.Nullable T> f) {
    return new Reply<>() {
      @Override
      public void ok(T value) {
        f.complete(value);
      }

      @Override
      public void fail(Failure failure) {
        f.complete(null);
      }
    };
  }
}
