package dev.spc.server.loop;

import dev.spc.common.Log;
import dev.spc.proto.JobState;
import dev.spc.proto.SetAccessLevelResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The access level: while set, no job with a priority below it starts (they wait, saying why);
 * set with interrupt, the running ones below it are cancelled at once. Durable: it is a stored
 * setting, read back at recovery.
 */
final class AccessLevel {
  private static final Log log = Log.get(AccessLevel.class);
  /** The setting's key in the store. */
  static final String SETTING = "access_level";
  static final int OPEN = Integer.MIN_VALUE;

  private final Durability commits;
  private final JobTable jobs;
  private final BiConsumer<JobRecord, String> cancel;
  private final Runnable wakeDispatch;
  private int level = OPEN;

  AccessLevel(Durability commits, JobTable jobs, BiConsumer<JobRecord, String> cancel,
      Runnable wakeDispatch, Map<String, String> settings) {
    this.commits = commits;
    this.jobs = jobs;
    this.cancel = cancel;
    this.wakeDispatch = wakeDispatch;
    String stored = settings.get(SETTING);
    if (stored != null) {
      try {
        level = Integer.parseInt(stored);
      } catch (NumberFormatException e) {
        log.warn("ignored a stored access level that is not a number", "value", stored);
      }
    }
  }

  int level() {
    return level;
  }

  /** Whether a job of this priority may start now. */
  boolean admits(int priority) {
    return priority >= level;
  }

  /** Why a pending job of this priority waits, or null if the level admits it. */
  String heldBack(int priority) {
    return admits(priority) ? "" : "held back by the access level " + level + " (it admits priority >= "
        + level + "; this job has " + priority + ")";
  }

  void set(int newLevel, boolean interrupt, Reply<SetAccessLevelResponse> reply) {
    if (commits.refuseWrite(reply)) {
      return;
    }
    boolean lowered = newLevel < level;
    level = newLevel;
    commits.setting(SETTING, Integer.toString(newLevel));
    List<JobRecord> below = new ArrayList<>();
    if (interrupt) {
      for (JobRecord j : jobs.all()) {
        if (j.state == JobState.JOB_STATE_RUNNING && !admits(j.spec.getPriority())) {
          below.add(j);
        }
      }
      for (JobRecord j : below) {
        cancel.accept(j, "cancelled: interrupted by the access level " + newLevel);
      }
    }
    if (lowered) {
      wakeDispatch.run(); // jobs held back may start now
    }
    log.info("access level set", "level", newLevel == OPEN ? "open" : Integer.toString(newLevel),
        "interrupted", below.size());
    reply.ok(SetAccessLevelResponse.newBuilder().setLevel(newLevel).setInterrupted(below.size()).build());
  }
}
