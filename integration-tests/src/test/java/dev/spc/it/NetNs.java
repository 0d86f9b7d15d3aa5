package dev.spc.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace joined to this one by a veth pair: a separate host for an agent, whose
 * link can be cut (down: silence, no FIN, no RST), healed, or made lossy. Needs root and iproute2
 * (and nftables or netem for loss); {@link #create} skips the calling test, saying why, where
 * they are missing.
 */
final class NetNs implements AutoCloseable {
  private static final Pattern DROPPED = Pattern.compile("counter packets (\\d+)");
  private static final Pattern OURS = Pattern.compile("^spcit(\\d+)-\\d+", Pattern.MULTILINE);
  private static boolean swept;

  final String name;
  final String hostIf;
  final String nsIf;
  /** This side's address, where the agent inside finds the coordinator. */
  final String hostIp;
  final String nsIp;
  private boolean lossByNft;
  private boolean closed;

  private NetNs(int index) {
    long pid = ProcessHandle.current().pid() % 100000;
    name = "spcit" + pid + "-" + index;
    hostIf = "vh" + pid + "x" + index;
    nsIf = "vn" + pid + "x" + index;
    hostIp = "10.231." + (10 + index) + ".1";
    nsIp = "10.231." + (10 + index) + ".2";
  }

  /** Namespace number {@code index} (0-200), made now; skips the test where it cannot be. */
  static NetNs create(int index) {
    sweepStale();
    NetNs n = new NetNs(index);
    try {
      sh("ip", "netns", "add", n.name);
      sh("ip", "link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf);
      sh("ip", "link", "set", n.nsIf, "netns", n.name);
      sh("ip", "addr", "add", n.hostIp + "/30", "dev", n.hostIf);
      sh("ip", "link", "set", n.hostIf, "up");
      n.exec("ip", "addr", "add", n.nsIp + "/30", "dev", n.nsIf);
      n.exec("ip", "link", "set", n.nsIf, "up");
      n.exec("ip", "link", "set", "lo", "up");
      return n;
    } catch (Exception e) {
      n.close();
      Assumptions.assumeTrue(false, "skipped: cannot make a network namespace here (needs root"
          + " and iproute2): " + e.getMessage());
      throw new AssertionError("unreachable");
    }
  }

  /**
   * Removes namespaces left by test runs that were killed before they could clean up: their host
   * ends keep the same addresses, and a second link with an address already on the host would
   * route nothing to the new namespace. A namespace is stale when no live process has the number
   * in its name.
   */
  private static synchronized void sweepStale() {
    if (swept) {
      return;
    }
    swept = true;
    String list;
    try {
      list = sh("ip", "netns", "list");
    } catch (Exception e) {
      return; // no iproute2 or no rights: create says so
    }
    java.util.Set<Long> live = new java.util.HashSet<>();
    ProcessHandle.allProcesses().forEach(p -> live.add(p.pid() % 100000));
    Matcher m = OURS.matcher(list);
    while (m.find()) {
      if (!live.contains(Long.parseLong(m.group(1)))) {
        try {
          sh("ip", "netns", "del", m.group());
        } catch (Exception ignored) {
          // gone meanwhile
        }
      }
    }
  }

  /** Namespace number {@code index}, or null (the caller says so) where it cannot be made. */
  static NetNs tryCreate(int index) {
    try {
      return create(index);
    } catch (org.opentest4j.TestAbortedException e) {
      return null;
    }
  }

  /**
   * From inside, TCP to {@code ip:port} is dropped without a word, both new and open connections;
   * everything else flows. Skips the test where nftables is missing.
   */
  void blockTcpTo(String ip, int port) throws Exception {
    try {
      exec("nft", "add", "table", "inet", "spcblock");
    } catch (Exception e) {
      Assumptions.assumeTrue(false, "skipped: nftables cannot filter here: " + e.getMessage());
    }
    exec("nft", "add", "chain", "inet", "spcblock", "out", "{ type filter hook output priority 0 ; }");
    exec("nft", "add", "rule", "inet", "spcblock", "out", "ip", "daddr", ip, "tcp", "dport",
        Integer.toString(port), "drop");
  }

  /** Undoes {@link #blockTcpTo}. */
  void unblock() throws Exception {
    exec("nft", "delete", "table", "inet", "spcblock");
  }

  /**
   * Everything not on the link goes through this host, so that processes in different namespaces
   * reach one another (with {@link #forwarding} on).
   */
  void routeViaHost() throws Exception {
    exec("ip", "route", "add", "default", "via", hostIp);
  }

  /**
   * Turns IPv4 forwarding on in this host's namespace until closed, so namespaces routed through
   * it reach one another; closing puts back what was there.
   */
  static AutoCloseable forwarding() throws Exception {
    String before = sh("sysctl", "-n", "net.ipv4.ip_forward").trim();
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1");
    return () -> sh("sysctl", "-qw", "net.ipv4.ip_forward=" + before);
  }

  /** The link goes silent: packets are dropped both ways without a word. */
  void cut() throws Exception {
    sh("ip", "link", "set", hostIf, "down");
  }

  void heal() throws Exception {
    sh("ip", "link", "set", hostIf, "up");
  }

  /**
   * Drops {@code percent} of the packets in each direction at random and delays them: netem where
   * the kernel has it (20 ms +- 10 ms); otherwise nftables drops them and a 2 Mbit/s token bucket
   * on each end queues them (up to 200 ms). Returns how it was done; skips the test where neither
   * is available.
   */
  String lossy(int percent) {
    try {
      qdiscOnBothEnds("netem", "delay", "20ms", "10ms", "loss", percent + "%");
      return "netem: " + percent + "% loss and 20ms +- 10ms delay each way";
    } catch (Exception noNetem) {
      // This kernel has no netem; drop packets with nftables instead.
    }
    try {
      exec("nft", "add", "table", "inet", "lossy");
      for (String hook : List.of("input", "output")) {
        exec("nft", "add", "chain", "inet", "lossy", hook,
            "{ type filter hook " + hook + " priority 0; }");
        exec("nft", "add", "rule", "inet", "lossy", hook, hook.equals("input") ? "iifname" : "oifname",
            nsIf, "numgen", "random", "mod", "100", "<", Integer.toString(percent), "counter", "drop");
      }
      lossByNft = true;
    } catch (Exception e) {
      Assumptions.assumeTrue(false, "skipped: neither tc netem nor nftables can drop packets"
          + " here: " + e.getMessage());
    }
    String slow = "";
    try {
      qdiscOnBothEnds("tbf", "rate", "2mbit", "burst", "32kbit", "latency", "200ms");
      slow = ", 2 Mbit/s each way with up to 200 ms of queueing";
    } catch (Exception e) {
      slow = ", no delay (tbf unavailable: " + e.getMessage() + ")";
    }
    return "nftables: " + percent + "% of packets dropped each way" + slow + " (no netem in this kernel)";
  }

  /** {@code tc qdisc add dev ... root QDISC...} on this end of the link and on the far end. */
  private void qdiscOnBothEnds(String... qdisc) throws Exception {
    List<String> here = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", hostIf, "root"));
    here.addAll(List.of(qdisc));
    sh(here.toArray(String[]::new));
    List<String> there = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", nsIf, "root"));
    there.addAll(List.of(qdisc));
    exec(there.toArray(String[]::new));
  }

  /** Packets dropped so far by {@link #lossy} (-1 when netem drops them: it does not count). */
  long dropped() throws Exception {
    if (!lossByNft) {
      return -1;
    }
    long n = 0;
    Matcher m = DROPPED.matcher(exec("nft", "list", "table", "inet", "lossy"));
    while (m.find()) {
      n += Long.parseLong(m.group(1));
    }
    return n;
  }

  String exec(String... cmd) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(cmd));
    return sh(full.toArray(String[]::new));
  }

  static String sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out.trim());
    }
    return out;
  }

  /** Removes the namespace and the link; the processes inside must be gone first. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      sh("ip", "link", "del", hostIf);
    } catch (Exception ignored) {
      // never made, or went with the namespace
    }
    try {
      sh("ip", "netns", "del", name);
    } catch (Exception ignored) {
      // never made
    }
  }
}
