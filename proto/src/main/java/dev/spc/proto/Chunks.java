package dev.spc.proto;

import com.google.protobuf.MessageLite;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a batch of protocol items (leases, results, updates) into runs that each fit in one
 * message under a size limit, so that batching never makes a message the other side refuses.
 * An item larger than the limit on its own still goes, alone.
 */
public final class Chunks {
  /**
   * Per message: well under the 4 MiB a coordinator accepts and the 8 MiB an agent accepts, with
   * room for the framing of each item.
   */
  public static final int MAX_MESSAGE_BYTES = 3 << 20;

  private Chunks() {}

  /** {@code items} in order, in runs of at most {@code maxBytes} serialized. */
  public static <T extends MessageLite> List<List<T>> of(List<T> items, int maxBytes) {
    List<List<T>> out = new ArrayList<>(1);
    int from = 0;
    long bytes = 0;
    for (int i = 0; i < items.size(); i++) {
      // Serialized sizes are memoized by protobuf: this costs one pass per message, once.
      long size = items.get(i).getSerializedSize() + 8L; // tag and length prefix
      if (i > from && bytes + size > maxBytes) {
        out.add(items.subList(from, i));
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < items.size()) {
      out.add(items.subList(from, items.size()));
    }
    return out;
  }

  /** Like {@link #of(List, int)} with {@link #MAX_MESSAGE_BYTES}. */
  public static <T extends MessageLite> List<List<T>> of(List<T> items) {
    return of(items, MAX_MESSAGE_BYTES);
  }
}
