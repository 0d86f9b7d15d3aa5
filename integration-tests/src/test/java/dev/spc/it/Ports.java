package dev.spc.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the processes a test starts, chosen before they start (a coordinator that advertises
 * its address must know its port).
 *
 * <p>A port from {@code new ServerSocket(0)} comes from the kernel's ephemeral range, the one every
 * outgoing connection takes its local port from: between the pick and the process binding it, an
 * agent's, a client's or a PostgreSQL connection's socket may hold it, and two picks made before
 * either process binds may be the same port. These ports come from below that range, are never
 * handed out twice in one test JVM, and are checked free when handed out.
 */
final class Ports {
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();
  private static final int SPAN = 10_000;

  private Ports() {}

  /** A port no process listens on, outside the ephemeral range, not handed out before. */
  static int free() throws IOException {
    int top = ephemeralLow();
    int bottom = Math.max(1024, top - SPAN);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = bottom + random.nextInt(top - bottom);
      if (!GIVEN.add(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress("0.0.0.0", port));
        return port;
      } catch (IOException inUse) {
        // taken by something outside the tests; try another
      }
    }
    throw new IOException("no free port between " + bottom + " and " + top);
  }

  /** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
  private static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      int low = Integer.parseInt(range.split("\\s+")[0]);
      return low > 1024 + 1000 ? low : 32768;
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }
}
