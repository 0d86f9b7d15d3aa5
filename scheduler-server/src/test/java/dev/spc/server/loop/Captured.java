package dev.spc.server.loop;

/** A reply that remembers what it was answered. */
final class Captured<T> implements Reply<T> {
  T value;
  Failure failure;
  int answers;

  @Override
  public void ok(T v) {
    value = v;
    answers++;
  }

  @Override
  public void fail(Failure f) {
    failure = f;
    answers++;
  }

  boolean answered() {
    return answers > 0;
  }

  T get() {
    if (failure != null) {
      throw new AssertionError("expected a value, got " + failure);
    }
    if (answers == 0) {
      throw new AssertionError("not answered");
    }
    return value;
  }
}
