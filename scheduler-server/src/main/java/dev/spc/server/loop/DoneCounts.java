package dev.spc.server.loop;

import dev.spc.proto.DoneReason;

/**
 * Done jobs by reason, two ways: those the coordinator still holds (lowered as retention drops
 * old ones, rebuilt from the store on restart), and those that ended since it started (never
 * lowered, not restored).
 */
final class DoneCounts {
  private final long[] held = new long[DoneReason.values().length];
  private final long[] ended = new long[DoneReason.values().length];

  /** A job ended now for {@code reason}. */
  void ended(DoneReason reason) {
    held[reason.getNumber()]++;
    ended[reason.getNumber()]++;
  }

  /** A done job read back from the store. */
  void restored(DoneReason reason) {
    held[reason.getNumber()]++;
  }

  /** A done job dropped by retention. */
  void dropped(DoneReason reason) {
    held[reason.getNumber()]--;
  }

  /** Done jobs held that ended for {@code reason}. */
  long held(DoneReason reason) {
    return held[reason.getNumber()];
  }

  long heldTotal() {
    return sum(held);
  }

  /** Jobs that ended for {@code reason} since this coordinator started (dropped ones included). */
  long endedSinceStart(DoneReason reason) {
    return ended[reason.getNumber()];
  }

  long endedSinceStartTotal() {
    return sum(ended);
  }

  private static long sum(long[] counts) {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }
}
