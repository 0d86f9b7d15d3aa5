package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.LocalPostgres;
import dev.spc.client.DoneReason;
import dev.spc.client.JobQuery;
import dev.spc.client.JobStatus;
import dev.spc.client.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Schedules with real processes: made through the command line, firing once per fire time across
 * a kill -9 of the coordinator, in a data directory (log store and SQLite) and on PostgreSQL; the
 * access level, an operator's setting, is stored alongside.
 */
class SchedulesIT {
  static List<JobStatus> made(Cluster c, String schedule) {
    List<JobStatus> out = new ArrayList<>();
    c.client.findAll(JobQuery.madeBy(schedule)).forEach(out::add);
    return out;
  }

  /**
   * A 1 s schedule fires; the coordinator is killed and restarted; it fires again. Every fire
   * time has one job, every job ran, and the fire times are the schedule's own (whole seconds
   * from its creation, 1 s apart on each side of the outage).
   */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // whole seconds: no part of a second
  static void firesOncePerSecondAcrossAKill9(Cluster c, Runnable restart) throws Exception {
    c.worker("schedule-worker", 4);
    Cli.Run create = Cli.run(c.processes.target(), "schedule", "create", "tick", "--every", "1s",
        "--overlap", "allow", "--", "noop");
    assertEquals(0, create.code(), create.out() + create.err());
    assertTrue(create.out().contains("when:      every 1s"), create.out());
    c.poll("three fires", () -> made(c, "tick").size() >= 3);
    Cli.Run access = Cli.run(c.processes.target(), "access-level", "0");
    assertEquals(0, access.code(), access.out() + access.err());
    c.processes.coordinator().kill9();
    Instant killed = Instant.now();
    Thread.sleep(1500);
    restart.run();
    c.poll("three fires after the restart", () -> {
      try {
        return made(c, "tick").stream().filter(j -> j.scheduledFor().isAfter(killed.plusSeconds(1)))
            .count() >= 3;
      } catch (dev.spc.client.SpcException e) {
        return false; // not listening yet, or not leading yet
      }
    });
    assertEquals(0, c.client.stats().accessLevel(), "the access level is stored too");
    Cli.Run get = Cli.run(c.processes.target(), "schedule", "get", "tick");
    assertEquals(0, get.code(), get.out() + get.err());
    assertTrue(get.out().contains("next:"), get.out());
    assertEquals(0, Cli.run(c.processes.target(), "schedule", "delete", "tick").code());

    List<JobStatus> jobs = made(c, "tick");
    TreeSet<Instant> fireTimes = new TreeSet<>();
    for (JobStatus j : jobs) {
      assertTrue(fireTimes.add(j.scheduledFor()), "fire time " + j.scheduledFor() + " made two jobs");
      assertEquals(0, j.scheduledFor().getNano(), "whole seconds from creation: " + j.scheduledFor());
      assertEquals(Optional.of("tick"), j.scheduleId());
      assertEquals(Optional.of(DoneReason.DONE), c.client.await(j.id(), Cluster.PATIENCE).reason());
    }
    List<Instant> before = fireTimes.headSet(killed, true).stream().toList();
    List<Instant> after = fireTimes.tailSet(killed, false).stream().toList();
    assertTrue(before.size() >= 3 && after.size() >= 3, "before " + before + ", after " + after);
    for (List<Instant> side : List.of(before, after)) {
      for (int i = 1; i < side.size(); i++) {
        assertEquals(Duration.ofSeconds(1), Duration.between(side.get(i - 1), side.get(i)),
            "one fire a second: " + side);
      }
    }
    System.out.println("SchedulesIT fire times " + before + " | kill -9 at " + killed + " | " + after);
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "--store-engine {0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"log", "sqlite"})
  void aOneSecondSchedule_firesOncePerFireTime_acrossAKill9_inADataDirectory(String engine) throws Exception {
    List<String> store = List.of("--store-engine", engine);
    try (Cluster c = DurabilityIT.cluster(store)) {
      firesOncePerSecondAcrossAKill9(c, () -> {
        try {
          DurabilityIT.restart(c, store);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  @Test
  void schedulesLiveInPostgreSql_andSurviveAKill9There() throws Exception {
    Assumptions.assumeTrue(LocalPostgres.installed(), "skipped: " + LocalPostgres.INSTALL_HINT);
    try (LocalPostgres pg = LocalPostgres.start()) {
      List<String> args = new ArrayList<>(DurabilityIT.FAST);
      args.addAll(List.of("--store", pg.url(), "--leader-lease", "2s"));
      try (Cluster c = new Cluster(args)) {
        c.poll("a leader", () -> {
          try {
            return "leader".equals(c.client.cluster().role());
          } catch (RuntimeException e) {
            return false;
          }
        });
        Cli.Run nightly = Cli.run(c.processes.target(), "schedule", "create", "nightly", "--cron",
            "30 2 * * *", "--tz", "Europe/Copenhagen", "--paused", "--", "noop");
        assertEquals(0, nightly.code(), nightly.out() + nightly.err());
        firesOncePerSecondAcrossAKill9(c, () -> {
          try {
            c.processes.restartCoordinator(args);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        Schedule kept = c.client.schedules().get("nightly");
        assertTrue(kept.paused(), "stored paused: " + kept);
        assertEquals("Europe/Copenhagen", kept.timeZone());
      }
    }
  }
}
