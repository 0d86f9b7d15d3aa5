package dev.spc.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.Lease;
import dev.spc.proto.Registered;
import dev.spc.proto.ResultsTaken;
import dev.spc.proto.StopJob;
import dev.spc.proto.StopWorker;
import dev.spc.proto.WorkerMessage;
import dev.spc.worker.AgentExit;
import io.grpc.Status;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The agent's session rules on a manual clock and a fake transport: no sockets, no sleeps. */
class AgentSessionTest {
  /** Time that moves only when told; tasks run in time order as it does. */
  static final class ManualClock implements AgentClock {
    private record Task(long at, long seq, Runnable r, AtomicBoolean cancelled) {}

    long now = 1_000_000_000L;
    private long seq;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) ->
        a.at() != b.at() ? Long.compare(a.at(), b.at()) : Long.compare(a.seq(), b.seq()));

    @Override
    public long nanos() {
      return now;
    }

    @Override
    public void execute(Runnable r) {
      schedule(r, 0);
    }

    @Override
    public Timer schedule(Runnable r, long delayMillis) {
      AtomicBoolean cancelled = new AtomicBoolean();
      tasks.add(new Task(now + delayMillis * 1_000_000L, seq++, r, cancelled));
      return () -> cancelled.set(true);
    }

    void advance(long millis) {
      long target = now + millis * 1_000_000L;
      while (!tasks.isEmpty() && tasks.peek().at() <= target) {
        Task t = tasks.poll();
        now = Math.max(now, t.at());
        if (!t.cancelled().get()) {
          t.r().run();
        }
      }
      now = target;
    }
  }

  static final class FakeStream implements Dialer.Stream {
    final Dialer.Listener listener;
    final List<WorkerMessage> sent = new ArrayList<>();
    boolean halfClosed;

    FakeStream(Dialer.Listener listener) {
      this.listener = listener;
    }

    @Override
    public boolean send(WorkerMessage m) {
      sent.add(m);
      return true;
    }

    @Override
    public void halfClose() {
      halfClosed = true;
    }

    boolean abandoned;

    @Override
    public void abandon() {
      abandoned = true;
    }

    /** Registered by a cluster's leader, which answers echoes. */
    void registeredByLeader(long intervalMs, long timeoutMs, long graceMs) {
      listener.onMessage(CoordinatorMessage.newBuilder().setRegistered(Registered.newBuilder()
          .setHeartbeatIntervalMs(intervalMs).setHeartbeatTimeoutMs(timeoutMs)
          .setReconnectGraceMs(graceMs).setEpoch(1).setEchoesHeartbeats(true)).build());
    }

    List<Long> echoesAsked() {
      return sent.stream().filter(WorkerMessage::hasHeartbeat).map(m -> m.getHeartbeat().getEcho())
          .filter(e -> e != 0).toList();
    }

    void registered(long intervalMs, long timeoutMs, long graceMs) {
      listener.onMessage(CoordinatorMessage.newBuilder().setRegistered(Registered.newBuilder()
          .setHeartbeatIntervalMs(intervalMs).setHeartbeatTimeoutMs(timeoutMs)
          .setReconnectGraceMs(graceMs)).build());
    }

    long heartbeats() {
      return sent.stream().filter(WorkerMessage::hasHeartbeat).count();
    }
  }

  static final class FakeDialer implements Dialer {
    final List<FakeStream> streams = new ArrayList<>();
    Duration silence;

    @Override
    public Stream open(Listener listener) {
      FakeStream s = new FakeStream(listener);
      streams.add(s);
      return s;
    }

    @Override
    public void silenceAllowed(Duration d) {
      silence = d;
    }

    FakeStream last() {
      return streams.get(streams.size() - 1);
    }
  }

  static final class FakeJobs implements SessionJobs {
    final List<Long> held = new ArrayList<>();
    final List<Long> withResults = new ArrayList<>();
    int undelivered;
    boolean connected;
    final List<String> fenced = new ArrayList<>();
    final List<String> stopped = new ArrayList<>();

    @Override
    public List<Long> heldLeases() {
      return List.copyOf(held);
    }

    @Override
    public List<Long> resultLeases() {
      return List.copyOf(withResults);
    }

    @Override
    public int undeliveredResults() {
      return undelivered;
    }

    @Override
    public void connected(boolean c) {
      connected = c;
    }

    @Override
    public void start(List<Lease> leases, boolean closing) {
      leases.forEach(l -> held.add(l.getLeaseId()));
    }

    @Override
    public void stop(List<StopJob> stops) {}

    @Override
    public void resultsTaken(long upToSeq) {
      undelivered = 0;
    }

    @Override
    public void signal(List<dev.spc.proto.JobSignal> signals) {}

    @Override
    public void flushResults() {}

    @Override
    public void fenceAll(String reason) {
      fenced.add(reason);
    }

    @Override
    public void stopAll(String reason) {
      stopped.add(reason);
    }
  }

  /** The top of every jitter range: delays read as 99, 199, 399 ms ... */
  static final RandomGenerator TOP = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public double nextDouble() {
      return 0.99999999;
    }
  };

  final ManualClock clock = new ManualClock();
  final FakeDialer dialer = new FakeDialer();
  final FakeJobs jobs = new FakeJobs();
  final List<AgentExit> exits = new ArrayList<>();

  AgentSession session(Duration drainTimeout, Duration connectTimeout) {
    return new AgentSession(new AgentIdentity("w1", "coord:7070", List.of("t"), 2, "host", java.util.Map.of(), 77L),
        new AgentSession.Timing(Duration.ofSeconds(1), drainTimeout, connectTimeout),
        clock, dialer, jobs, TOP, exits::add);
  }

  final AgentSession s = session(Duration.ofSeconds(30), Duration.ofSeconds(10));

  static Status refused() {
    return Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new ConnectException("Connection refused"));
  }

  static Status reset() {
    return Status.UNAVAILABLE.withDescription("Network closed for unknown reason");
  }

  /** Started and registered (heartbeat 200 ms, timeout 1 s, grace 5 s). */
  FakeStream registered() {
    s.start();
    FakeStream st = dialer.last();
    st.registered(200, 1000, 5000);
    return st;
  }

  @Test
  void registers_withItsNameTypesSlotsAndHeldLeases_thenHeartbeatsAtTheInterval() {
    jobs.held.add(42L);
    jobs.withResults.add(41L);
    FakeStream st = registered();
    var reg = st.sent.get(0).getRegister();
    assertEquals("w1", reg.getName());
    assertEquals(List.of("t"), reg.getJobTypesList());
    assertEquals(2, reg.getSlots());
    assertEquals(List.of(42L), reg.getHeldLeaseIdsList());
    assertEquals(List.of(41L), reg.getResultLeaseIdsList(), "leases whose results it still owes");
    assertEquals(77L, reg.getInstanceId(), "this process's instance id");
    assertFalse(reg.getDraining());
    assertTrue(jobs.connected);
    assertEquals(Duration.ofMillis(800), dialer.silence, "timeout less one interval");
    clock.advance(1000);
    assertEquals(5, st.heartbeats());
    assertEquals(List.of(42L), st.sent.get(st.sent.size() - 1).getHeartbeat().getRunningLeaseIdsList());
  }

  /** Milliseconds between the next {@code n} reconnect tries, each failing at once. */
  List<Long> reconnectGaps(int n) {
    List<Long> gaps = new ArrayList<>();
    long last = clock.now;
    for (int i = 0; i < n; i++) {
      int before = dialer.streams.size();
      while (dialer.streams.size() == before) {
        clock.advance(1);
      }
      gaps.add((clock.now - last) / 1_000_000);
      last = clock.now;
      dialer.last().listener.onEnd(reset());
    }
    return gaps;
  }

  @Test
  void reconnects_withJitteredExponentialBackoff_cappedToTryFiveTimesWithinTheGrace() {
    registered().listener.onEnd(reset()); // grace 5 s: never more than 1 s between tries
    List<Long> gaps = reconnectGaps(8);
    assertEquals(List.of(99L, 199L, 399L, 799L, 1000L, 1000L, 1000L, 1000L), gaps);
    assertTrue(exits.isEmpty(), "a registered agent keeps trying");
  }

  @Test
  void reconnects_atMostEvery5s_whateverTheGrace() {
    s.start();
    dialer.last().registered(200, 1000, 60_000);
    dialer.last().listener.onEnd(reset());
    List<Long> gaps = reconnectGaps(8);
    assertEquals(List.of(99L, 199L, 399L, 799L, 1599L, 3199L, 4999L, 4999L), gaps);
  }

  @Test
  void atStart_givesUpAfterTheConnectTimeout() {
    AgentSession quick = session(Duration.ofSeconds(30), Duration.ofSeconds(1));
    quick.start();
    for (int i = 0; i < 20 && exits.isEmpty(); i++) {
      dialer.last().listener.onEnd(refused());
      clock.advance(5000);
    }
    assertEquals(AgentExit.Reason.UNREACHABLE, exits.get(0).reason());
    assertEquals(4, exits.get(0).exitCode());
    assertTrue(exits.get(0).message().startsWith("cannot reach coordinator at coord:7070 after 1s"),
        exits.get(0).message());
  }

  @Test
  void aNameTakenAtStart_orAnInvalidRegistration_endsTheAgent() {
    s.start();
    dialer.last().listener.onEnd(Status.ALREADY_EXISTS.withDescription("taken"));
    assertEquals(AgentExit.Reason.NAME_TAKEN, exits.get(0).reason());

    AgentSession other = session(Duration.ofSeconds(30), Duration.ofSeconds(10));
    other.start();
    dialer.last().listener.onEnd(Status.INVALID_ARGUMENT.withDescription("register.slots must be"));
    assertEquals(AgentExit.Reason.REFUSED, exits.get(1).reason());
    assertTrue(exits.get(1).message().endsWith("register.slots must be"));
  }

  @Test
  void refusedCredentials_endTheAgent_asARefusedRegistration() {
    s.start();
    dialer.last().listener.onEnd(Status.PERMISSION_DENIED.withDescription(
        "identity 'gpu pool' may not register a worker named 'w1'"));
    assertEquals(AgentExit.Reason.REFUSED, exits.get(0).reason());
    assertTrue(exits.get(0).message().endsWith("may not register a worker named 'w1'"));
  }

  @Test
  void aRestartingCoordinator_refusingConnections_getsTheFullGrace_thenTheJobsAreFenced() {
    jobs.held.add(7L);
    registered().listener.onEnd(refused());
    for (int t = 0; t < 4900; t += 50) {
      clock.advance(50);
      if (dialer.streams.size() > 1 && dialer.last().sent.size() == 1) {
        dialer.last().listener.onEnd(refused()); // still restarting
      }
    }
    assertEquals(List.of(), jobs.fenced, "within the grace: the jobs run on");
    clock.advance(200);
    assertEquals(1, jobs.fenced.size());
    assertTrue(jobs.fenced.get(0).contains("reconnect grace (5000ms)"), jobs.fenced.get(0));
  }

  @Test
  void cutOffWithoutARefusal_fencesAfterTheHeartbeatTimeout() {
    jobs.held.add(7L);
    registered().listener.onEnd(reset());
    clock.advance(990);
    assertEquals(List.of(), jobs.fenced);
    clock.advance(20);
    assertEquals(1, jobs.fenced.size());
    assertTrue(jobs.fenced.get(0).contains("heartbeat timeout (1000ms)"), jobs.fenced.get(0));
  }

  @Test
  void aSilentConnection_fencesAtOnce() {
    jobs.held.add(7L);
    registered().listener.onEnd(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new java.io.IOException("recvAddress(..) failed: Connection timed out")));
    assertEquals(1, jobs.fenced.size());
  }

  @Test
  void reconnectingWithinTheTimeout_fencesNothing() {
    jobs.held.add(7L);
    registered().listener.onEnd(reset());
    clock.advance(100);
    dialer.last().registered(200, 1000, 5000);
    clock.advance(10_000);
    assertEquals(List.of(), jobs.fenced);
    assertEquals(List.of(7L), dialer.last().sent.get(0).getRegister().getHeldLeaseIdsList());
  }

  @Test
  void aDrainingAgent_leavesOnlyOnceItsResultsAreConfirmed_andTheDrainIsConfirmed() {
    FakeStream st = registered();
    jobs.undelivered = 1;
    s.drain(AgentExit.Reason.CLOSED, "drained");
    assertTrue(st.sent.stream().anyMatch(WorkerMessage::hasDraining));
    st.listener.onMessage(CoordinatorMessage.newBuilder().setStopWorker(
        StopWorker.newBuilder().setDrain(true).setReason("draining")).build());
    assertTrue(exits.isEmpty(), "a result is still unconfirmed");
    st.listener.onMessage(CoordinatorMessage.newBuilder().setResultsTaken(
        ResultsTaken.newBuilder().setUpToSeq(1)).build());
    assertEquals(AgentExit.Reason.CLOSED, exits.get(0).reason());
    assertTrue(st.halfClosed);
  }

  @Test
  void aDrainingAgentCutOff_reconnectsAsDraining_toDeliverWhatItOwes() {
    FakeStream st = registered();
    jobs.undelivered = 1;
    st.listener.onEnd(refused()); // the coordinator died
    s.drain(AgentExit.Reason.CLOSED, "drained");
    clock.advance(3000);
    assertTrue(exits.isEmpty(), "it owes a result: it waits for the coordinator");
    FakeStream again = dialer.last();
    assertTrue(again.sent.get(0).getRegister().getDraining(), "no lease for a draining agent");
    again.registered(200, 1000, 5000);
    again.listener.onMessage(CoordinatorMessage.newBuilder().setResultsTaken(
        ResultsTaken.newBuilder().setUpToSeq(1)).build());
    again.listener.onMessage(CoordinatorMessage.newBuilder().setStopWorker(
        StopWorker.newBuilder().setDrain(true).setReason("draining")).build());
    assertEquals(AgentExit.Reason.CLOSED, exits.get(0).reason());
  }

  @Test
  void aDrainThatCannotDeliver_givesUpAtItsTimeout_withExit7() {
    AgentSession d = session(Duration.ofSeconds(2), Duration.ofSeconds(10));
    d.start();
    dialer.last().registered(200, 1000, 5000);
    jobs.undelivered = 3;
    dialer.last().listener.onEnd(refused());
    d.drain(AgentExit.Reason.CLOSED, "drained");
    clock.advance(1990);
    assertTrue(exits.isEmpty());
    clock.advance(20);
    assertEquals(AgentExit.Reason.RESULTS_UNDELIVERED, exits.get(0).reason());
    assertEquals(7, exits.get(0).exitCode());
    assertTrue(exits.get(0).message().contains("left with 3 result(s)"), exits.get(0).message());
  }

  @Test
  void aDrainTimeout_stopsTheJobsStillRunning_andLeavesWhenTheyEnd() {
    AgentSession d = session(Duration.ofSeconds(2), Duration.ofSeconds(10));
    d.start();
    FakeStream st = dialer.last();
    st.registered(200, 1000, 5000);
    jobs.held.add(9L);
    d.drain(AgentExit.Reason.CLOSED, "drained");
    st.listener.onMessage(CoordinatorMessage.newBuilder().setStopWorker(
        StopWorker.newBuilder().setDrain(true)).build());
    clock.advance(2010);
    assertEquals(List.of("worker shutting down"), jobs.stopped);
    assertTrue(exits.isEmpty(), "it waits the stop grace for the job to end");
    jobs.held.clear(); // it ended; its result was confirmed
    d.jobsChanged();
    assertEquals(AgentExit.Reason.CLOSED, exits.get(0).reason());
  }

  @Test
  void aCoordinatorThatStops_isHalfClosedOn_andReconnectedToWithoutAWarning() {
    FakeStream st = registered();
    st.listener.onMessage(CoordinatorMessage.newBuilder().setCoordinatorStopping(
        dev.spc.proto.CoordinatorStopping.newBuilder()).build());
    assertTrue(st.halfClosed);
    assertFalse(s.send(WorkerMessage.getDefaultInstance()), "nothing more on a half-closed stream");
    st.listener.onEnd(Status.OK);
    clock.advance(200);
    assertEquals(2, dialer.streams.size());
  }

  @Test
  void eventsOfAnOldStream_areIgnored() {
    FakeStream first = registered();
    first.listener.onEnd(reset());
    clock.advance(200);
    FakeStream second = dialer.last();
    second.registered(200, 1000, 5000);
    first.listener.onEnd(reset()); // late news of the old stream
    assertTrue(jobs.connected);
    assertEquals(2, dialer.streams.size());
    assertTrue(exits.isEmpty(), "still running: " + exits);
  }

  @Test
  void streamFailures_areClassifiedFromCodesAndCauses() {
    assertEquals(StreamFailure.REFUSED, StreamFailure.classify(refused()));
    assertEquals(StreamFailure.REFUSED, StreamFailure.classify(Status.UNAVAILABLE.withCause(
        new java.io.IOException("io", new ConnectException(
            "connect(..) failed: Connection refused: /127.0.0.1:7070")))));
    assertEquals(StreamFailure.SILENT, StreamFailure.classify(Status.UNAVAILABLE
        .withDescription("Keepalive failed. The connection is likely gone")));
    assertEquals(StreamFailure.SILENT, StreamFailure.classify(Status.UNAVAILABLE.withCause(
        new java.io.IOException("readAddress(..) failed: Connection timed out"))));
    assertEquals(StreamFailure.CLOSED, StreamFailure.classify(reset()));
    assertEquals(StreamFailure.CLOSED, StreamFailure.classify(Status.OK));
    assertEquals(StreamFailure.CLOSED, StreamFailure.classify(Status.CANCELLED
        .withCause(new ConnectException("Connection refused"))), "only UNAVAILABLE reads causes");
    assertEquals(StreamFailure.INVALID, StreamFailure.classify(Status.INVALID_ARGUMENT));
    assertEquals(StreamFailure.NAME_TAKEN, StreamFailure.classify(Status.ALREADY_EXISTS));
    assertEquals(StreamFailure.DENIED, StreamFailure.classify(Status.UNAUTHENTICATED));
    assertEquals(StreamFailure.DENIED, StreamFailure.classify(Status.PERMISSION_DENIED));
  }

  AgentSession clusterSession(String targets) {
    return new AgentSession(new AgentIdentity("w1", targets, List.of("t"), 2, "host", java.util.Map.of(), 77L),
        new AgentSession.Timing(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10)),
        clock, dialer, jobs, TOP, exits::add);
  }

  @Test
  void inACluster_aLeaderThatStopsAnsweringEchoes_isLeftForAnother_keepingTheJobs() {
    AgentSession cs = clusterSession("a:7070,b:7070,c:7070");
    cs.start();
    FakeStream st = dialer.last();
    st.registeredByLeader(200, 1000, 5000);
    jobs.held.add(7L);
    clock.advance(400);
    assertEquals(List.of(), st.echoesAsked(), "quiet for less than half the timeout: no question");
    clock.advance(200); // 600 ms of silence
    assertEquals(1, st.echoesAsked().size());
    clock.advance(900);
    assertFalse(st.abandoned, "not yet the heartbeat timeout since the first question");
    clock.advance(200);
    assertTrue(st.abandoned, "asked at 600 ms, unanswered at 1600 ms");
    assertTrue(jobs.fenced.isEmpty(), "a paused leader is not a partition: the jobs go on");
    clock.advance(500);
    assertEquals(2, dialer.streams.size(), "redialled at once, to another coordinator");
    dialer.last().registeredByLeader(200, 1000, 5000);
    clock.advance(4_000); // past the grace counted from the first stream's end
    assertTrue(jobs.fenced.isEmpty(), "re-adopted by the new leader");
    assertEquals(List.of(7L), dialer.last().sent.get(0).getRegister().getHeldLeaseIdsList());
  }

  @Test
  void inACluster_answeredEchoes_keepTheStream_andAPausedLeaderNeverFoundAgainFencesAfterTheGrace() {
    AgentSession cs = clusterSession("a:7070,b:7070");
    cs.start();
    FakeStream st = dialer.last();
    st.registeredByLeader(200, 1000, 5000);
    jobs.held.add(7L);
    int answered = 0;
    for (int i = 0; i < 20; i++) {
      clock.advance(200);
      List<Long> asked = st.echoesAsked();
      if (asked.size() > answered) {
        answered = asked.size();
        st.listener.onMessage(CoordinatorMessage.newBuilder().setHeartbeatEcho(
            dev.spc.proto.HeartbeatEcho.newBuilder().setEcho(asked.get(asked.size() - 1))).build());
      }
    }
    assertFalse(st.abandoned, "every question was answered");
    int asked = st.echoesAsked().size();
    assertTrue(asked >= 3 && asked <= 10, "asked only after silences: " + asked);
    clock.advance(2000);
    assertTrue(st.abandoned);
    for (int i = 0; i < 20; i++) { // nobody leads anywhere: every dial fails
      clock.advance(500);
      dialer.last().listener.onEnd(Status.UNAVAILABLE.withDescription("no coordinator leads the cluster"));
    }
    assertEquals(1, jobs.fenced.size(), "fenced once the reconnect grace ran out");
    assertTrue(jobs.fenced.get(0).contains("reconnect grace"), jobs.fenced.get(0));
  }

  @Test
  void aLoneCoordinator_orOneThatDoesNotEcho_isNeverAskedAndNeverLeft() {
    FakeStream lone = registered();
    clock.advance(10_000);
    assertEquals(List.of(), lone.echoesAsked());
    assertFalse(lone.abandoned, "a lone coordinator that pauses is waited for");
    AgentSession cs = clusterSession("a:7070,b:7070");
    cs.start();
    FakeStream old = dialer.last();
    old.registered(200, 1000, 5000);
    clock.advance(10_000);
    assertEquals(List.of(), old.echoesAsked(), "its Registered did not say it echoes");
    assertFalse(old.abandoned);
  }

  @Test
  void inACluster_aCoordinatorThatNeverAnswersTheRegistration_isLeftForAnother() {
    AgentSession cs = clusterSession("a:7070,b:7070");
    cs.start();
    FakeStream silent = dialer.last();
    clock.advance(2999);
    assertFalse(silent.abandoned, "the usual heartbeat timeout (3 s) until a coordinator says");
    clock.advance(1);
    assertTrue(silent.abandoned);
    clock.advance(500);
    assertEquals(2, dialer.streams.size(), "redialled within 500 ms");
    FakeStream leader = dialer.last();
    leader.registeredByLeader(200, 1000, 5000);
    for (int i = 0; i < 25; i++) { // past the registration timer; every echo answered
      clock.advance(200);
      leader.listener.onMessage(CoordinatorMessage.newBuilder().setHeartbeatEcho(
          dev.spc.proto.HeartbeatEcho.newBuilder().setEcho(1)).build());
    }
    assertEquals(2, dialer.streams.size(), "a registered stream is not given up by that timer");
    AgentSession lone = session(Duration.ofSeconds(30), Duration.ofSeconds(60));
    lone.start();
    FakeStream waited = dialer.last();
    clock.advance(30_000);
    assertFalse(waited.abandoned, "a lone coordinator is waited for");
  }

  @Test
  void anIdleAgent_heartbeatsAtTheIdleInterval_andALeaseBringsTheShortOneBack() {
    s.start();
    FakeStream st = dialer.last();
    st.listener.onMessage(CoordinatorMessage.newBuilder().setRegistered(Registered.newBuilder()
        .setHeartbeatIntervalMs(200).setHeartbeatTimeoutMs(1000).setReconnectGraceMs(5000)
        .setIdleHeartbeatIntervalMs(1000)).build());
    clock.advance(999);
    assertEquals(0, st.heartbeats());
    clock.advance(1);
    assertEquals(1, st.heartbeats());
    clock.advance(500); // a lease arrives half way to the next idle heartbeat
    st.listener.onMessage(CoordinatorMessage.newBuilder().setLeases(dev.spc.proto.Leases.newBuilder()
        .addLeases(Lease.newBuilder().setLeaseId(7).setJobId("j"))).build());
    clock.advance(200);
    assertEquals(2, st.heartbeats());
    assertEquals(List.of(7L), st.sent.get(st.sent.size() - 1).getHeartbeat().getRunningLeaseIdsList());
    clock.advance(200);
    assertEquals(3, st.heartbeats());
    jobs.held.clear(); // the job ended: after one more short beat, the idle pace again
    clock.advance(200);
    assertEquals(4, st.heartbeats());
    clock.advance(999);
    assertEquals(4, st.heartbeats());
    clock.advance(1);
    assertEquals(5, st.heartbeats());
    // The fleet grew: the coordinator slows idle agents further, from the next beat on (the one
    // already due keeps its time, so a fleet told at once does not beat at once).
    st.listener.onMessage(CoordinatorMessage.newBuilder().setCadence(
        dev.spc.proto.Cadence.newBuilder().setIdleHeartbeatIntervalMs(3000)).build());
    clock.advance(1000);
    assertEquals(6, st.heartbeats());
    clock.advance(2999);
    assertEquals(6, st.heartbeats());
    clock.advance(1);
    assertEquals(7, st.heartbeats());
  }
}
