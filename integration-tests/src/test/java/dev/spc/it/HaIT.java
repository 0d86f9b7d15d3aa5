package dev.spc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spc.cli.local.LocalPostgres;
import dev.spc.cli.local.ProcessCluster;
import dev.spc.client.ClusterInfo;
import dev.spc.client.DoneReason;
import dev.spc.client.JobId;
import dev.spc.client.JobPage;
import dev.spc.client.JobSpec;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Three coordinators sharing a real PostgreSQL, agents following the leader, and the leader hurt
 * for real: {@code kill -9}, {@code SIGSTOP}, and the database itself stopped and started.
 */
class HaIT {
  static final String MAIN = "dev.spc.cli.Main";
  static final Duration PATIENCE = Duration.ofSeconds(60);
  static final Pattern STARTED = Pattern.compile("msg=\"job started\" job=(\\S+) lease=(\\d+)");

  LocalPostgres pg;
  ProcessCluster pc;
  final Map<String, ProcessCluster.Node> coordinators = new LinkedHashMap<>();
  final List<ProcessCluster.Node> agents = new ArrayList<>();
  String targets;
  SpcClient client;

  @AfterEach
  void stop() {
    direct.values().forEach(SpcClient::close);
    if (client != null) {
      client.close();
    }
    if (pc != null) {
      pc.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  /** PostgreSQL, three coordinators on free ports, {@code agentCount} agents, a client. */
  void start(int agentCount) throws Exception {
    Assumptions.assumeTrue(LocalPostgres.installed(), "skipped: " + LocalPostgres.INSTALL_HINT);
    pg = LocalPostgres.start();
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "ha-");
    pc = new ProcessCluster(dir);
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int port = Ports.free();
      String address = "127.0.0.1:" + port;
      addresses.add(address);
      int http = Ports.free();
      httpPorts.put(address, http);
      coordinators.put(address, pc.startJava("coordinator-" + (i + 1), MAIN, List.of("server",
          "--store", pg.url(), "--port", Integer.toString(port), "--http-port", Integer.toString(http),
          "--advertise", address,
          "--heartbeat-interval", "200ms", "--heartbeat-timeout", "1s", "--reconnect-grace", "10s",
          "--leader-lease", "2s")));
    }
    targets = String.join(",", addresses);
    // A short call timeout: the first call to a frozen leader waits this long before moving on.
    client = SpcClient.newBuilder().target(targets).callTimeout(Duration.ofSeconds(2)).build();
    poll("a leader is elected", () -> leader() != null);
    for (int i = 1; i <= agentCount; i++) {
      agents.add(pc.startJava("agent-" + i, MAIN, List.of("worker", "--coordinator", targets,
          "--name", "agent-" + i, "--slots", "4", "--drain-timeout", "2s", "--log-level", "debug")));
    }
    poll("every agent registered", () -> {
      try {
        return client.workers().size() == agentCount;
      } catch (SpcException e) {
        return false;
      }
    });
  }

  final Map<String, SpcClient> direct = new HashMap<>();
  /** Each coordinator's HTTP port, by its gRPC address. */
  final Map<String, Integer> httpPorts = new HashMap<>();

  /** GET {@code path} on the HTTP port of the coordinator at {@code address}. */
  java.net.http.HttpResponse<String> http(String address, String path) throws Exception {
    try (java.net.http.HttpClient h = java.net.http.HttpClient.newHttpClient()) {
      return h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
          + httpPorts.get(address) + path)).timeout(Duration.ofSeconds(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    }
  }

  /** A standby's HTTP port refuses as its gRPC port does, naming the leader; the leader's answers. */
  void assertHttpFollowsTheLeader() throws Exception {
    String lead = leader();
    assertEquals(200, http(lead, "/v1/stats").statusCode());
    for (String a : coordinators.keySet()) {
      if (!a.equals(lead) && coordinators.get(a).process().isAlive()) {
        var r = http(a, "/v1/stats");
        assertEquals(503, r.statusCode(), r.body());
        assertEquals(lead, r.headers().firstValue("X-SPC-Leader").orElse(""), r.headers().toString());
        assertTrue(http(a, "/v1/cluster").body().contains("standby"));
      }
    }
  }

  /** The cluster as each coordinator that answers sees it. */
  List<ClusterInfo> views() {
    List<ClusterInfo> out = new ArrayList<>();
    for (String address : coordinators.keySet()) {
      try {
        out.add(direct.computeIfAbsent(address, a -> SpcClient.newBuilder().target(a)
            .callTimeout(Duration.ofMillis(500)).build()).cluster());
      } catch (SpcException e) {
        // down, frozen or between listeners
      }
    }
    return out;
  }

  /** The leader's address as a coordinator that knows reports it, or null. */
  String leader() {
    return views().stream().map(ClusterInfo::leader).filter(l -> l != null).findFirst().orElse(null);
  }

  /** The highest epoch any coordinator reports. */
  long epoch() {
    return views().stream().mapToLong(ClusterInfo::epoch).max().orElse(0);
  }

  void poll(String what, BooleanSupplier cond) {
    poll(what, cond, pc);
  }

  /** Polls {@code cond} for up to a minute; a timeout shows every process's log. */
  static void poll(String what, BooleanSupplier cond, ProcessCluster pc) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder sb = new StringBuilder("timed out waiting for: " + what);
        for (ProcessCluster.Node n : pc.nodes()) {
          sb.append("\n--- ").append(n.name()).append(" ---\n").append(n.output());
        }
        throw new AssertionError(sb);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** Submits a short job every 20 ms until stopped; the ids acknowledged. */
  final class Submitter implements AutoCloseable {
    final ConcurrentLinkedQueue<JobId> acked = new ConcurrentLinkedQueue<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final Thread thread = Thread.ofPlatform().name("submitter").start(() -> {
      while (running.get()) {
        try {
          acked.add(client.submit(JobSpec.of("sleep", "0.3")));
        } catch (SpcException e) {
          // not acknowledged: the SDK gave up retrying (the test checks only acknowledged ones)
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(60_000);
    }
  }

  /** Every job in the store, by id. */
  Map<String, JobStatus> allJobs() {
    Map<String, JobStatus> all = new HashMap<>();
    String token = null;
    do {
      JobPage p = client.list(null, 500, token);
      for (JobStatus s : p.jobs()) {
        all.put(s.id().value(), s);
      }
      token = p.nextPageToken().orElse(null);
    } while (token != null);
    return all;
  }

  /** Lease ids started by the agents, by job, from their logs. */
  Map<String, Set<String>> leasesByJob() {
    Map<String, Set<String>> out = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (ProcessCluster.Node a : agents) {
      Matcher m = STARTED.matcher(a.output());
      while (m.find()) {
        assertTrue(seen.add(m.group(2)), "lease " + m.group(2) + " started twice");
        out.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(m.group(2));
      }
    }
    return out;
  }

  void assertAllDoneOnce(List<JobId> acked) {
    for (JobId id : acked) {
      JobStatus s = client.await(id, PATIENCE);
      assertEquals(DoneReason.DONE, s.reason().orElse(null), id + " ended " + s.describe() + " " + s.error());
    }
    Map<String, JobStatus> all = allJobs();
    Set<String> ackedIds = new HashSet<>();
    acked.forEach(id -> ackedIds.add(id.value()));
    assertEquals(acked.size(), ackedIds.size(), "an id acknowledged twice");
    assertTrue(all.keySet().containsAll(ackedIds), "every acknowledged job is stored");
    Map<String, Set<String>> leases = leasesByJob();
    for (String id : ackedIds) {
      assertEquals(1, leases.getOrDefault(id, Set.of()).size(), id + " ran under " + leases.get(id));
    }
  }

  @Test
  void killingTheLeaderUnderSteadySubmits_losesNothing_andRunningJobsAreReadopted() throws Exception {
    start(2);
    long before = epoch();
    List<JobId> longOnes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      longOnes.add(client.submit(JobSpec.of("sleep", "4")));
    }
    List<JobId> acked;
    try (Submitter s = new Submitter()) {
      poll("the long jobs run", () -> longOnes.stream().allMatch(id ->
          client.status(id).state() == dev.spc.client.JobState.RUNNING));
      Thread.sleep(500);
      assertHttpFollowsTheLeader();
      String old = leader();
      coordinators.get(old).kill9();
      poll("another coordinator leads", () -> {
        String now = leader();
        return now != null && !now.equals(old);
      });
      int atTakeover = s.acked.size();
      poll("submits are acknowledged again", () -> s.acked.size() > atTakeover + 20);
      s.close();
      acked = new ArrayList<>(s.acked);
    }
    assertTrue(epoch() > before, "the epoch grew");
    poll("the new leader serves HTTP on the port it served as a standby", () -> {
      try {
        return http(leader(), "/v1/stats").statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    assertHttpFollowsTheLeader();
    acked.addAll(longOnes);
    assertAllDoneOnce(acked);
    for (ProcessCluster.Node a : agents) {
      assertTrue(a.output().contains("msg=reconnected"), a.output());
      assertFalse(a.output().contains("self-fencing"), a.output());
    }
  }

  @Test
  void aFrozenLeader_isReplaced_commitsNothingAfterwards_andRejoinsAsAStandby() throws Exception {
    start(2);
    String old = leader();
    long oldEpoch = epoch();
    List<JobId> acked = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      acked.add(client.submit(JobSpec.of("sleep", "0.2")));
    }
    List<JobId> longOnes = List.of(client.submit(JobSpec.of("sleep", "5")),
        client.submit(JobSpec.of("sleep", "5")));
    poll("the long jobs run", () -> longOnes.stream().allMatch(id ->
        client.status(id).state() == dev.spc.client.JobState.RUNNING));
    acked.addAll(longOnes);
    ProcessCluster.Node frozen = coordinators.get(old);
    frozen.freeze();
    long frozenAt = System.nanoTime();
    poll("another coordinator leads", () -> {
      String now = leader();
      return now != null && !now.equals(old);
    });
    assertTrue(epoch() > oldEpoch);
    // The frozen leader's host still acknowledges their packets; its silence to their echoes
    // moves them, with their running jobs, while it is still frozen.
    poll("the agents moved to the new leader", () -> {
      try {
        return client.workers().size() == 2;
      } catch (SpcException e) {
        return false;
      }
    });
    for (int i = 0; i < 10; i++) {
      acked.add(client.submit(JobSpec.of("sleep", "0.2")));
    }
    Map<Long, String> rowsOfOldEpoch = rows(oldEpoch);
    long frozenFor = System.nanoTime() - frozenAt;
    Thread.sleep(Math.max(0, Duration.ofSeconds(6).toNanos() - frozenFor) / 1_000_000); // 3 leases
    frozen.cont();
    poll("the old leader knows it no longer leads", () -> frozen.output().contains("no longer leading"));
    try (SpcClient direct = SpcClient.newBuilder().target(old).build()) {
      poll("the old leader stands by", () -> {
        try {
          ClusterInfo c = direct.cluster();
          return c.role().equals("standby") && c.leader() != null && !c.leader().equals(old);
        } catch (SpcException e) {
          return false;
        }
      });
    }
    for (int i = 0; i < 10; i++) {
      acked.add(client.submit(JobSpec.of("sleep", "0.2")));
    }
    assertAllDoneOnce(acked);
    Map<Long, String> after = rows(oldEpoch);
    assertTrue(rowsOfOldEpoch.entrySet().containsAll(after.entrySet()),
        "the deposed leader wrote nothing after its successor took over: " + after + " vs " + rowsOfOldEpoch);
    for (ProcessCluster.Node a : agents) {
      assertTrue(a.output().contains("the coordinator does not answer"), a.output());
      assertFalse(a.output().contains("self-fencing"), a.output());
    }
  }

  @Test
  void postgresStoppedAndStarted_refusesClearly_losesNothing_andResumesByItself() throws Exception {
    start(1);
    List<JobId> acked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      acked.add(client.submit(JobSpec.of("sleep", "0.2")));
    }
    long before = epoch();
    pg.stop();
    try (SpcClient impatient = SpcClient.newBuilder().target(targets)
        .submitRetryTimeout(Duration.ZERO).callTimeout(Duration.ofSeconds(5)).build()) {
      String[] message = new String[1];
      poll("submits are refused, saying why", () -> {
        try {
          impatient.submit(JobSpec.of("noop"));
          return false;
        } catch (SpcException.Unavailable e) {
          message[0] = e.getMessage();
          return e.getMessage().contains("store cannot be reached");
        }
      });
      assertTrue(message[0].contains("nothing accepted before is lost"), message[0]);
    }
    pg.startServer();
    poll("service resumes by itself", () -> {
      try {
        acked.add(client.submit(JobSpec.of("sleep", "0.2")));
        return true;
      } catch (SpcException e) {
        return false;
      }
    });
    assertTrue(epoch() > before, "a new term after the outage");
    assertAllDoneOnce(acked);
  }

  @Test
  void aLeaderCutOffFromPostgresOnly_stopsLeadingBeforeTheNextLeaderGrantsALease() throws Exception {
    Assumptions.assumeTrue(LocalPostgres.installed(), "skipped: " + LocalPostgres.INSTALL_HINT);
    try (NetNs net = NetNs.create(5)) {
      pg = LocalPostgres.start("127.0.0.1," + net.hostIp);
      Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-runs")), "ha-cut-");
      pc = new ProcessCluster(dir);
      List<String> common = List.of("--heartbeat-interval", "200ms", "--heartbeat-timeout", "1s",
          "--reconnect-grace", "10s", "--leader-lease", "2s");
      // The first coordinator lives behind the namespace's link, so that its way to PostgreSQL
      // alone can be cut; it starts first, so it leads.
      int portA = Ports.free();
      String a = net.nsIp + ":" + portA;
      List<String> argsA = new ArrayList<>(List.of("server", "--store", pg.url(net.hostIp), "--bind",
          "0.0.0.0", "--insecure", "--port", Integer.toString(portA), "--http-port", "0", "--advertise", a));
      argsA.addAll(common);
      ProcessCluster.Node nodeA = pc.startJavaIn(net.name, "coordinator-a", MAIN, argsA);
      coordinators.put(a, nodeA);
      targets = a;
      client = SpcClient.newBuilder().target(a + "," + a).callTimeout(Duration.ofSeconds(5)).build();
      poll("the coordinator behind the link leads", () -> a.equals(leader()));
      List<String> all = new ArrayList<>(List.of(a));
      for (String name : List.of("b", "c")) {
        int port = Ports.free();
        String address = "127.0.0.1:" + port;
        List<String> args = new ArrayList<>(List.of("server", "--store", pg.url(), "--port",
            Integer.toString(port), "--http-port", "0", "--advertise", address));
        args.addAll(common);
        coordinators.put(address, pc.startJava("coordinator-" + name, MAIN, args));
        all.add(address);
      }
      targets = String.join(",", all);
      client.close();
      client = SpcClient.newBuilder().target(targets).callTimeout(Duration.ofSeconds(5)).build();
      for (int i = 1; i <= 2; i++) {
        agents.add(pc.startJava("agent-" + i, MAIN, List.of("worker", "--coordinator", targets,
            "--name", "agent-" + i, "--slots", "4", "--drain-timeout", "2s", "--log-level", "debug")));
      }
      poll("both agents registered", () -> {
        try {
          return client.workers().size() == 2;
        } catch (SpcException e) {
          return false;
        }
      });
      List<JobId> acked = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        acked.add(client.submit(JobSpec.of("sleep", "3")));
      }
      poll("the jobs run", () -> acked.stream().allMatch(id ->
          client.status(id).state() == dev.spc.client.JobState.RUNNING));
      long oldEpoch = epoch();

      net.blockTcpTo(net.hostIp, pg.port());
      poll("another coordinator leads", () -> {
        String now = leader();
        return now != null && !now.equals(a);
      });
      for (int i = 0; i < 6; i++) {
        acked.add(client.submit(JobSpec.of("sleep", "0.2")));
      }
      assertAllDoneOnce(acked);
      java.time.Instant stoppedLeading = logTime(nodeA.output(), "msg=\"no longer leading\"");
      java.time.Instant firstNewLease = null;
      long newBase = (oldEpoch + 1) << 40;
      for (ProcessCluster.Node ag : agents) {
        for (String line : ag.output().split("\n", -1)) {
          Matcher m = STARTED.matcher(line);
          if (m.find() && Long.parseLong(m.group(2)) >= newBase) {
            java.time.Instant t = lineTime(line);
            firstNewLease = firstNewLease == null || t.isBefore(firstNewLease) ? t : firstNewLease;
          }
        }
      }
      assertTrue(firstNewLease != null, "the new leader granted leases");
      assertTrue(stoppedLeading.isBefore(firstNewLease), "the cut-off leader stopped leading at "
          + stoppedLeading + ", before the new leader's first lease at " + firstNewLease);
    }
  }

  /** The time of the first log line containing {@code marker}. */
  static java.time.Instant logTime(String log, String marker) {
    for (String line : log.split("\n", -1)) {
      if (line.contains(marker)) {
        return lineTime(line);
      }
    }
    throw new AssertionError("no line with " + marker + " in:\n" + log);
  }

  static java.time.Instant lineTime(String line) {
    Matcher m = Pattern.compile("ts=(\\S+)").matcher(line);
    assertTrue(m.find(), line);
    return java.time.Instant.parse(m.group(1));
  }

  /** seq and a digest of the row, for every job row written in {@code epoch}. */
  Map<Long, String> rows(long epoch) throws Exception {
    Map<Long, String> out = new HashMap<>();
    try (Connection c = pg.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT seq, md5(data) FROM spc_jobs WHERE epoch = " + epoch)) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getString(2));
      }
    }
    return out;
  }
}
