package dev.spc.server.loop;

/**
 * Where the event loop sends the answer to one request. Called on the loop thread, exactly once;
 * implementations hand the answer to their transport without blocking.
 */
public interface Reply<T> {
  void ok(T value);

  void fail(Failure failure);
}
