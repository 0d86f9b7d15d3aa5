package dev.spc.server.loop;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The connected workers, by name and by stream, which of them have a free slot (in the order
 * dispatch visits them), and how many handle each type.
 */
final class WorkerRegistry {
  private final Map<String, WorkerRecord> byName = new LinkedHashMap<>();
  private final Map<WorkerLink, WorkerRecord> byLink = new HashMap<>();
  /** Every name that has ever registered: stopping one that has left is a no-op, not NOT_FOUND. */
  private final Set<String> known = new HashSet<>();
  private final LinkedHashSet<WorkerRecord> free = new LinkedHashSet<>();
  private final Map<String, Integer> perType = new HashMap<>();
  private final Runnable slotFreed;

  /** {@code slotFreed} is told whenever a worker may take a lease it could not before. */
  WorkerRegistry(Runnable slotFreed) {
    this.slotFreed = slotFreed;
  }

  @Nullable WorkerRecord byLink(WorkerLink link) {
    return byLink.get(link);
  }

  @Nullable WorkerRecord byName(String name) {
    return byName.get(name);
  }

  boolean isConnected(String name) {
    return byName.containsKey(name);
  }

  boolean isKnown(String name) {
    return known.contains(name);
  }

  Collection<WorkerRecord> all() {
    return byName.values();
  }

  boolean isEmpty() {
    return byName.isEmpty();
  }

  int size() {
    return byName.size();
  }

  /** Connected workers per job type (read by views). */
  Map<String, Integer> perType() {
    return perType;
  }

  void add(WorkerRecord w) {
    byName.put(w.name, w);
    byLink.put(w.link, w);
    known.add(w.name);
    for (String t : w.types) {
      perType.merge(t, 1, Integer::sum);
    }
  }

  /** Gone: no longer listed or offered leases. Its leases are the caller's to settle. */
  void remove(WorkerRecord w) {
    byName.remove(w.name);
    byLink.remove(w.link);
    free.remove(w);
    for (String t : w.types) {
      perType.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
    }
  }

  /** Whether this record is still the connected one for its stream. */
  boolean isCurrent(WorkerRecord w) {
    return byLink.get(w.link) == w;
  }

  /** The worker may have a free slot now: offered leases again if so. */
  void offer(WorkerRecord w) {
    if (w.freeSlots() > 0) {
      free.add(w);
      slotFreed.run();
    }
  }

  /** Its slots may all be taken now. */
  void taken(WorkerRecord w) {
    if (w.freeSlots() <= 0) {
      free.remove(w);
    }
  }

  /** No more leases for it (draining). */
  void withdraw(WorkerRecord w) {
    free.remove(w);
  }

  boolean anyFree() {
    return !free.isEmpty();
  }

  WorkerRecord[] freeSnapshot() {
    return free.toArray(new WorkerRecord[0]);
  }

  /** After a grant: to the back of the free workers if it has slots left, to spread jobs. */
  void rotate(WorkerRecord w) {
    free.remove(w);
    if (w.freeSlots() > 0) {
      free.add(w);
    }
  }
}
