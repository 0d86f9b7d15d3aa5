package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.ConcurrencyLimit;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Concurrency keys: at most N jobs with the same {@code concurrency_key} run at once, across all
 * workers (N is 1, a mutex, unless an operator set it). A pending job that reaches the head of its
 * queue while its key is full waits in the key's own queue, in priority order, so it holds back
 * nothing else; when a job of the key stops running, the key's next job goes back to the front of
 * its queue. Limits are stored settings, read back at recovery.
 */
final class ConcurrencyKeys {
  private static final Log log = Log.get(ConcurrencyKeys.class);
  /** Settings are stored under this prefix and the key. */
  static final String SETTING = "concurrency_limit.";
  static final int MAX_KEY = 255;
  static final int MAX_LIMIT = 100_000;

  private static final class Key {
    int running;
    final PendingQueue held;

    Key(String name) {
      held = new PendingQueue(name);
    }
  }

  private final Durability commits;
  private final Consumer<JobRecord> putBack;
  private final Runnable wakeDispatch;
  /** Keys with jobs running or held back (dropped when they have neither). */
  private final Map<String, Key> keys = new HashMap<>();
  /** Limits operators set (keys not here allow 1). */
  private final Map<String, Integer> limits = new HashMap<>();

  ConcurrencyKeys(Durability commits, Consumer<JobRecord> putBack, Runnable wakeDispatch,
      Map<String, String> settings) {
    this.commits = commits;
    this.putBack = putBack;
    this.wakeDispatch = wakeDispatch;
    settings.forEach((name, value) -> {
      if (name.startsWith(SETTING) && !value.isEmpty()) {
        try {
          limits.put(name.substring(SETTING.length()), Integer.parseInt(value));
        } catch (NumberFormatException e) {
          log.warn("ignored a stored concurrency limit that is not a number", "setting", name);
        }
      }
    });
  }

  int limit(String key) {
    return limits.getOrDefault(key, 1);
  }

  /**
   * The head of {@code q} to run, after moving heads whose key is full to their key's queue;
   * null if {@code q} is empty (or holds only such jobs).
   */
  @Nullable JobRecord head(PendingQueue q) {
    JobRecord head;
    while ((head = q.peek()) != null) {
      String name = head.concurrencyKey();
      if (name.isEmpty()) {
        return head;
      }
      Key k = keys.get(name);
      if (k == null || k.running < limit(name)) {
        return head;
      }
      q.poll();
      JobRecord first = k.held.peek();
      if (first != null && JobRecord.ORDER.compare(head, first) < 0) {
        k.held.addFirst(head); // one let go earlier that lost its slot again: it stays first
      } else {
        k.held.add(head);
      }
    }
    return null;
  }

  /** A job with a key started (or was found running at recovery). */
  void acquired(JobRecord job) {
    String name = job.concurrencyKey();
    if (!name.isEmpty()) {
      keys.computeIfAbsent(name, Key::new).running++;
    }
  }

  /** A job with a key stopped running: the key's next job may start. */
  void released(JobRecord job) {
    String name = job.concurrencyKey();
    Key k = name.isEmpty() ? null : keys.get(name);
    if (k == null) {
      return;
    }
    k.running--;
    letGo(name, k, 1);
  }

  /** Puts up to {@code n} of the key's held jobs back in their queues, while it has room. */
  private void letGo(String name, Key k, int n) {
    int room = Math.min(n, limit(name) - k.running);
    boolean any = false;
    for (int i = 0; i < room; i++) {
      JobRecord next = k.held.poll();
      if (next == null) {
        break;
      }
      putBack.accept(next);
      any = true;
    }
    if (any) {
      wakeDispatch.run();
    }
    if (k.running == 0 && k.held.isEmpty()) {
      keys.remove(name);
    }
  }

  /** Why a pending job waits for its key ("" if it does not). */
  String heldBack(JobRecord job) {
    PendingQueue q = job.queue;
    if (q == null || q.key == null) {
      return "";
    }
    Key k = keys.get(q.key);
    int running = k == null ? 0 : k.running;
    int limit = limit(q.key);
    return "held back by its concurrency key '" + q.key + "': " + running + " of " + limit
        + " running" + (k == null ? "" : ", " + k.held.size() + " waiting");
  }

  /** The problem with a key in {@code field}, or null. */
  static @Nullable String checkKey(String field, String key) {
    if (key.length() > MAX_KEY) {
      return field + " is " + key.length() + " characters, limit " + MAX_KEY;
    }
    return null;
  }

  void set(String key, int limit, Reply<ConcurrencyLimit> reply) {
    String problem = key.isEmpty() ? "key must not be empty" : checkKey("key", key);
    if (problem == null && (limit < 1 || limit > MAX_LIMIT)) {
      problem = "limit must be between 1 and " + MAX_LIMIT + ", got " + limit;
    }
    if (problem != null) {
      reply.fail(Failure.invalid(problem));
      return;
    }
    if (commits.refuseWrite(reply)) {
      return;
    }
    if (limit == 1) {
      limits.remove(key);
      commits.setting(SETTING + key, "");
    } else {
      limits.put(key, limit);
      commits.setting(SETTING + key, Integer.toString(limit));
    }
    Key k = keys.get(key);
    if (k != null) {
      letGo(key, k, Integer.MAX_VALUE);
    }
    log.info("concurrency limit set", "key", key, "limit", limit);
    reply.ok(view(key));
  }

  ConcurrencyLimit view(String key) {
    Key k = keys.get(key);
    return ConcurrencyLimit.newBuilder().setKey(key).setLimit(limit(key))
        .setRunning(k == null ? 0 : k.running).setWaiting(k == null ? 0 : k.held.size()).build();
  }

  /** Keys with a limit set or with jobs running or held back, by key. */
  Iterable<ConcurrencyLimit> all() {
    TreeMap<String, ConcurrencyLimit> out = new TreeMap<>();
    limits.keySet().forEach(k -> out.put(k, view(k)));
    keys.keySet().forEach(k -> out.computeIfAbsent(k, this::view));
    return out.values();
  }

  /** Pending jobs held back by their full keys, in all. */
  long heldCount() {
    long n = 0;
    for (Key k : keys.values()) {
      n += k.held.size();
    }
    return n;
  }
}
