package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobSpec;
import dev.spc.client.JobState;
import dev.spc.client.JobStatus;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Register;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What happens while the coordinator is away (killed and restarting, frozen, shutting down): the
 * window in which jobs are running without a lease at the coordinator, results are waiting on
 * the agents, and the coordinator's state is half-built. Every test has its own cluster.
 */
class CoordinatorAwayIT {
  static final Pattern STARTED = Pattern.compile("msg=\"job started\" job=(\\S+) lease=(\\d+)");

  static Cluster cluster(String grace) throws Exception {
    return new Cluster(List.of("--heartbeat-interval", "200ms", "--heartbeat-timeout", "1s",
        "--reconnect-grace", grace));
  }

  static void restart(Cluster c, String grace) throws Exception {
    c.processes.restartCoordinator(List.of("--heartbeat-interval", "200ms", "--heartbeat-timeout",
        "1s", "--reconnect-grace", grace));
  }

  static long leaseOf(ProcessCluster.Node agent, JobId job) {
    Matcher m = STARTED.matcher(agent.output());
    while (m.find()) {
      if (m.group(1).equals(job.value())) {
        return Long.parseLong(m.group(2));
      }
    }
    throw new AssertionError("no lease for " + job + " in:\n" + agent.output());
  }

  @Test
  void aCancelRightAfterARestart_endsTheJobCancelled_andItsAgentStopsIt() throws Exception {
    try (Cluster c = cluster("10s")) {
      ProcessCluster.Node agent = c.worker("canceller", 1, "--log-level", "debug");
      JobId id = c.client.submit(JobSpec.of("sleep", "30"));
      c.startedOn(agent, id);
      c.processes.coordinator().kill9();
      restart(c, "10s");
      // At once: the job is RUNNING again, its agent has not reported it yet.
      c.client.cancel(id);
      JobStatus s = c.status(id);
      assertEquals(Optional.of(DoneReason.CANCELLED), s.reason(), s.describe() + " " + s.error());
      // When the agent reports the lease it is told to stop it: its one slot is free long before
      // the 30 s sleep would have ended.
      JobId next = c.client.submit(JobSpec.of("echo", "after"));
      JobStatus after = c.client.await(next, Duration.ofSeconds(20));
      assertEquals(Optional.of(DoneReason.DONE), after.reason(), after.describe() + "\n" + agent.output());
      assertTrue(c.processes.coordinator().output().contains("msg=\"stale lease reported\" worker=canceller"),
          c.processes.coordinator().output());
      JobStatus still = c.status(id);
      assertEquals(Optional.of(DoneReason.CANCELLED), still.reason(), "the outcome never changes");
      assertEquals("cancelled", still.error());
    }
  }

  @Test
  void aDrainingAgent_deliversAResultThatFinishedWhileTheCoordinatorWasDown() throws Exception {
    try (Cluster c = cluster("10s")) {
      ProcessCluster.Node agent = c.worker("drainer", 1, "--log-level", "debug", "--drain-timeout", "30s");
      JobId id = c.client.submit(JobSpec.of("sleep", "1"));
      c.startedOn(agent, id);
      c.processes.coordinator().kill9();
      c.poll("the job finished on the agent", () -> agent.output()
          .contains("msg=\"job finished\" job=" + id.value()), agent);
      agent.terminate();
      assertEquals(-1, agent.waitForExit(Duration.ofSeconds(1)),
          "a draining agent that owes a result waits to deliver it:\n" + agent.output());
      restart(c, "10s");
      assertEquals(0, agent.waitForExit(Cluster.PATIENCE), agent.output());
      JobStatus s = c.status(id);
      assertEquals(Optional.of(DoneReason.DONE), s.reason(), s.describe() + " " + s.error()
          + "\n" + agent.output() + "\n" + c.processes.coordinator().output());
    }
  }

  @Test
  void aDrainingAgentThatCannotDeliver_saysSo_inItsLogAndExitCode() throws Exception {
    try (Cluster c = cluster("10s")) {
      ProcessCluster.Node agent = c.worker("giver-up", 1, "--log-level", "debug", "--drain-timeout", "2s");
      JobId id = c.client.submit(JobSpec.of("sleep", "0.5"));
      c.startedOn(agent, id);
      c.processes.coordinator().kill9();
      c.poll("the job finished on the agent", () -> agent.output()
          .contains("msg=\"job finished\" job=" + id.value()), agent);
      agent.terminate();
      assertEquals(7, agent.waitForExit(Cluster.PATIENCE), agent.output());
      assertTrue(Pattern.compile("msg=\"leaving with results the coordinator has not confirmed\".*"
          + " undelivered_results=1").matcher(agent.output()).find(), agent.output());
      // What it could not deliver is given up after the grace, as for any agent that never came back.
      restart(c, "1s");
      JobStatus s = c.pollFor("given up", () -> c.status(id), JobStatus::isDone);
      assertEquals(Optional.of(DoneReason.CRASHED), s.reason());
      assertEquals("coordinator restarted", s.error());
    }
  }

  /** What happens to the coordinator while the job runs past its deadline, and after. */
  interface Absence {
    void begin(Cluster c) throws Exception;

    void end(Cluster c) throws Exception;
  }

  /**
   * An exec job allowed 1 s that would run 3 s, started just before the coordinator goes away;
   * it must end TIMEOUT, stopped by its agent at its deadline.
   */
  static void overLongJobAcross(String agentName, Absence absence) throws Exception {
    try (Cluster c = cluster("10s")) {
      ProcessCluster.Node agent = c.worker(agentName, 1, "--allow-exec", "--stop-grace", "1s",
          "--log-level", "debug");
      JobId id = c.client.submit(JobSpec.newBuilder("exec").args("sleep", "3").maxSeconds(1).build());
      c.startedOn(agent, id);
      absence.begin(c);
      try {
        c.poll("the agent stops the job at its deadline", () -> agent.output()
            .contains("msg=\"job ran past max_seconds; stopping it\" job=" + id.value()), agent);
        // The program ends by the agent's hand, not its own: while we are still away.
        c.poll("the job ended on the agent as timed out", () -> agent.output().contains(
            "msg=\"job finished\" job=" + id.value() + " lease="), agent);
        assertTrue(agent.output().matches("(?s).*msg=\"job finished\" job=" + id.value()
            + " lease=\\d+ outcome=OUTCOME_TIMED_OUT.*"), agent.output());
      } finally {
        absence.end(c);
      }
      JobStatus s = c.client.await(id, Cluster.PATIENCE);
      assertEquals(Optional.of(DoneReason.TIMEOUT), s.reason(), s.describe() + " " + s.error()
          + "\n" + agent.output());
      assertEquals("exceeded max_seconds=1", s.error());
    }
  }

  @Test
  void maxSeconds_holdsWhileTheCoordinatorIsKilled() throws Exception {
    overLongJobAcross("deadline-kill", new Absence() {
      @Override
      public void begin(Cluster c) throws Exception {
        c.processes.coordinator().kill9();
      }

      @Override
      public void end(Cluster c) throws Exception {
        restart(c, "10s");
      }
    });
  }

  @Test
  void maxSeconds_holdsWhileTheCoordinatorIsFrozen() throws Exception {
    overLongJobAcross("deadline-freeze", new Absence() {
      @Override
      public void begin(Cluster c) {
        c.processes.coordinator().freeze();
      }

      @Override
      public void end(Cluster c) {
        c.processes.coordinator().cont();
      }
    });
  }

  @Test
  void everyValidCall_duringTheReconnectGrace_isAnsweredWithoutAServerFault() throws Exception {
    try (Cluster c = cluster("60s")) {
      ProcessCluster.Node agent = c.worker("grace-agent", 2, "--log-level", "debug");
      JobId done = c.client.submit(JobSpec.of("echo", "done"));
      c.client.await(done, Cluster.PATIENCE);
      JobId adopted = c.client.submit(JobSpec.of("sleep", "60"));
      JobId orphan = c.client.submit(JobSpec.of("sleep", "60"));
      JobId pending = c.client.submit(JobSpec.of("nobody-runs-this"));
      c.startedOn(agent, adopted);
      c.startedOn(agent, orphan);
      long adoptedLease = leaseOf(agent, adopted);
      c.processes.coordinator().kill9();
      agent.kill9();
      restart(c, "60s");
      assertEquals(JobState.RUNNING, c.status(orphan).state(), "awaiting its agent");
      ManagedChannel ch = NettyChannelBuilder.forTarget(c.processes.target()).usePlaintext().build();
      try {
        List<String> ids = List.of(adopted.value(), orphan.value(), pending.value(), done.value());
        EveryCall calls = new EveryCall(ch)
            .clientCalls(ids, List.of(), "grace-agent")
            // An agent by the old name reports one of the leases (and a lease nobody knows).
            .workerCalls("grace-agent", List.of(adoptedLease, 4242L))
            .clientCalls(ids, List.of(orphan.value(), pending.value(), done.value()), "grace-agent")
            .workerCalls("grace-agent", List.of(adoptedLease, leaseOf(agent, orphan)))
            .clientCalls(ids, ids, "grace-agent");
        assertTrue(calls.serverFaults().isEmpty(), "server faults: " + calls.serverFaults()
            + "\nall answers: " + calls.answers() + "\n" + c.processes.coordinator().output());
        assertEquals(Optional.of(DoneReason.CANCELLED), c.status(orphan).reason());
        assertTrue(c.status(adopted).isDone());
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void everyValidCall_duringAShutdown_isAnsweredWithoutAServerFault() throws Exception {
    try (Cluster c = cluster("10s")) {
      c.worker("stopping-agent", 2);
      JobId running = c.client.submit(JobSpec.of("sleep", "60"));
      JobId pending = c.client.submit(JobSpec.of("nobody-runs-this"));
      c.poll("running", () -> c.status(running).state() == JobState.RUNNING);
      ManagedChannel ch = NettyChannelBuilder.forTarget(c.processes.target()).usePlaintext().build();
      try {
        // An agent that never half-closes keeps the coordinator in its shutdown handshake.
        StreamObserver<WorkerMessage> stubborn = WorkerServiceGrpc.newStub(ch).connect(new StreamObserver<>() {
          @Override
          public void onNext(CoordinatorMessage m) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
        stubborn.onNext(WorkerMessage.newBuilder().setRegister(Register.newBuilder()
            .setName("stubborn").addJobTypes("never").setSlots(1)).build());
        c.poll("stubborn registered", () -> c.client.workers().stream().anyMatch(w -> w.name().equals("stubborn")));
        List<String> ids = List.of(running.value(), pending.value());
        List<EveryCall.Answer> answers = new ArrayList<>();
        c.processes.coordinator().terminate();
        int rounds = 0;
        while (c.processes.coordinator().process().isAlive() && rounds < 50) {
          EveryCall calls = new EveryCall(ch).clientCalls(ids, List.of(pending.value()), "stopping-agent")
              .workerCalls("probe-" + rounds, List.of(99L));
          answers.addAll(calls.answers());
          rounds++;
        }
        assertEquals(0, c.processes.coordinator().waitForExit(Cluster.PATIENCE));
        List<EveryCall.Answer> faults = answers.stream().filter(EveryCall.Answer::isServerFault).toList();
        assertTrue(faults.isEmpty(), "server faults: " + faults + "\n" + c.processes.coordinator().output());
        assertTrue(rounds >= 1, "calls were made during the shutdown");
        System.out.println("CoordinatorAwayIT: " + rounds + " rounds, " + answers.size()
            + " calls during the shutdown");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
