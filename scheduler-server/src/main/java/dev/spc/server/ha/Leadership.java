package dev.spc.server.ha;

import dev.spc.common.Log;
import dev.spc.proto.Cluster;
import dev.spc.proto.ClusterMember;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Leadership as a lease with an epoch, in the database's {@code spc_leader} row: (holder, address,
 * epoch, expiry by the database's clock). A standby takes the row over only once it has expired,
 * adding one to the epoch; the leader renews it well before then.
 *
 * <p>The leader also keeps its own deadline on its monotonic clock, counted from before each
 * renewal was sent: if no renewal has succeeded by then (the database is unreachable, this process
 * was paused), it stops leading at once, whatever it is doing, without asking the database. Its
 * commits are fenced besides ({@link dev.spc.server.store.PostgresJobStore}), so even a leader
 * that has not yet noticed can write nothing after a successor's takeover.
 */
public final class Leadership implements AutoCloseable {
  private static final Log log = Log.get(Leadership.class);

  /** Told of changes, on the leadership's own threads; must not block. */
  public interface Listener {
    void elected(long epoch);

    void deposed(long epoch, String why);
  }

  private final DataSource db;
  private final String holder;
  private volatile String address;
  private final Duration lease;
  private final LongSupplier nanos;
  private final Listener listener;
  private final ScheduledExecutorService threads;
  private final Object lock = new Object();
  private long epoch = -1; // the epoch this coordinator leads in, -1 when standing by
  private long deadlineNanos;
  private volatile Cluster view;
  private volatile @Nullable String lastError;
  private volatile boolean closed;

  public Leadership(DataSource db, String holder, String address, Duration lease, Listener listener) {
    this(db, holder, address, lease, System::nanoTime, listener);
  }

  Leadership(DataSource db, String holder, String address, Duration lease, LongSupplier nanos,
      Listener listener) {
    this.db = db;
    this.holder = holder;
    this.address = address;
    this.lease = lease;
    this.nanos = nanos;
    this.listener = listener;
    this.view = Cluster.newBuilder().setRole("standby").setSelf(address).build();
    this.threads = Executors.newScheduledThreadPool(2,
        Thread.ofPlatform().name("spc-leadership-", 0).daemon(true).factory());
  }

  /** The address to advertise, when it is known only once the port is bound; before start. */
  public void advertise(String address) {
    this.address = address;
    this.view = view.toBuilder().setSelf(address).build();
  }

  /** Starts campaigning: renewing while leading, trying to take over while standing by. */
  public Leadership start() {
    var unused = threads.submit(this::campaign);
    var unused2 = threads.scheduleWithFixedDelay(this::watchdog, 50, 50, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Who leads, as last read from the database, with this coordinator's role. */
  public Cluster view() {
    return view;
  }

  /** Why the database cannot be reached, or null when it answered last time. */
  public @Nullable String storeProblem() {
    return lastError;
  }

  /** The epoch this coordinator leads in, or -1. */
  public long epoch() {
    synchronized (lock) {
      return epoch;
    }
  }

  /**
   * Hands the lease back in the database (it expires now), so that a standby takes over at once
   * instead of after the lease; for a leader that stops on purpose.
   */
  public void release() {
    try (Connection c = db.getConnection();
        PreparedStatement p = c.prepareStatement("UPDATE spc_leader SET expires_at = now()"
            + " - interval '1 millisecond' WHERE id = 1 AND holder = ?")) {
      p.setQueryTimeout(2);
      p.setString(1, holder);
      p.executeUpdate();
    } catch (SQLException e) {
      log.warn("could not hand the leadership back; it expires by itself",
          "error", String.valueOf(e.getMessage()));
    }
  }

  /** Gives the leadership up now (the row expires by itself); a standby keeps standing by. */
  public void resign(String why) {
    stepDown(why);
  }

  private void campaign() {
    long renewEvery = lease.toMillis() / 4;
    long pollEvery = Math.max(50, lease.toMillis() / 8);
    while (!closed) {
      long sent = nanos.getAsLong();
      try (Connection c = db.getConnection()) {
        if (epoch() < 0) {
          tryAcquire(c, sent);
        } else {
          renew(c, sent);
        }
        refreshView(c);
        if (lastError != null) {
          log.info("the database answers again");
          lastError = null;
        }
      } catch (SQLException e) {
        if (lastError == null) {
          log.warn("cannot reach the database for the leadership lease; retrying",
              "error", String.valueOf(e.getMessage()));
        }
        lastError = String.valueOf(e.getMessage());
      } catch (RuntimeException e) {
        log.warn("leadership check failed", "error", String.valueOf(e));
      }
      try {
        Thread.sleep(epoch() >= 0 ? renewEvery : pollEvery);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void tryAcquire(Connection c, long sent) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("UPDATE spc_leader SET holder = ?, address = ?,"
        + " epoch = epoch + 1, expires_at = now() + make_interval(secs => ?)"
        + " WHERE id = 1 AND expires_at < now() RETURNING epoch")) {
      p.setQueryTimeout(Math.max(1, (int) lease.toSeconds()));
      p.setString(1, holder);
      p.setString(2, address);
      p.setDouble(3, lease.toMillis() / 1000.0);
      try (ResultSet rs = p.executeQuery()) {
        if (rs.next()) {
          long e = rs.getLong(1);
          synchronized (lock) {
            epoch = e;
            deadlineNanos = sent + safe(lease);
          }
          view = view.toBuilder().setRole("leader").setLeader(address).setEpoch(e).build();
          listener.elected(e);
        }
      }
    }
  }

  private void renew(Connection c, long sent) throws SQLException {
    long mine = epoch();
    try (PreparedStatement p = c.prepareStatement("UPDATE spc_leader SET expires_at = now()"
        + " + make_interval(secs => ?) WHERE id = 1 AND holder = ? AND epoch = ? RETURNING epoch")) {
      p.setQueryTimeout(Math.max(1, (int) lease.toSeconds()));
      p.setDouble(1, lease.toMillis() / 1000.0);
      p.setString(2, holder);
      p.setLong(3, mine);
      try (ResultSet rs = p.executeQuery()) {
        if (rs.next()) {
          synchronized (lock) {
            if (epoch == mine) {
              deadlineNanos = sent + safe(lease);
            }
          }
        } else {
          stepDown("another coordinator holds the leadership now");
        }
      }
    }
  }

  private void refreshView(Connection c) throws SQLException {
    long mine = epoch();
    String role = mine >= 0 ? "leader" : "standby";
    try (PreparedStatement p = c.prepareStatement("INSERT INTO spc_members (holder, address, role,"
        + " seen_at) VALUES (?, ?, ?, now()) ON CONFLICT (holder) DO UPDATE SET address ="
        + " EXCLUDED.address, role = EXCLUDED.role, seen_at = now()")) {
      p.setString(1, holder);
      p.setString(2, address);
      p.setString(3, role);
      p.executeUpdate();
    }
    Cluster.Builder b = Cluster.newBuilder().setRole(role).setSelf(address);
    try (PreparedStatement p = c.prepareStatement("SELECT address, epoch, expires_at > now(),"
        + " holder FROM spc_leader WHERE id = 1");
        ResultSet rs = p.executeQuery()) {
      if (rs.next()) {
        b.setEpoch(rs.getLong(2));
        // A row still naming this coordinator while it stands by is a lease it gave up early:
        // nobody leads until a standby takes it over.
        boolean mineButResigned = mine < 0 && holder.equals(rs.getString(4));
        if (rs.getBoolean(3) && !mineButResigned) {
          b.setLeader(rs.getString(1));
        }
      }
    }
    List<ClusterMember> members = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement("SELECT address, role, seen_at FROM spc_members"
        + " WHERE seen_at > now() - make_interval(secs => ?) ORDER BY address")) {
      p.setDouble(1, Math.max(10.0, lease.toMillis() * 5 / 1000.0));
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          java.time.Instant seen = rs.getTimestamp(3).toInstant();
          members.add(ClusterMember.newBuilder().setAddress(rs.getString(1)).setRole(rs.getString(2))
              .setLastSeen(com.google.protobuf.Timestamp.newBuilder()
                  .setSeconds(seen.getEpochSecond()).setNanos(seen.getNano())).build());
        }
      }
    }
    view = b.addAllMembers(members).build();
  }

  /** The part of a lease this side counts on: 90 %, for clock-rate drift and scheduling. */
  private static long safe(Duration lease) {
    return lease.toNanos() / 10 * 9;
  }

  private void watchdog() {
    boolean expired;
    synchronized (lock) {
      expired = epoch >= 0 && nanos.getAsLong() - deadlineNanos > 0;
    }
    if (expired) {
      stepDown("could not renew the leadership lease in time"
          + (lastError != null ? " (" + lastError + ")" : ""));
    }
  }

  private void stepDown(String why) {
    long was;
    synchronized (lock) {
      was = epoch;
      if (was < 0) {
        return;
      }
      epoch = -1;
    }
    view = view.toBuilder().setRole("standby").clearLeader().build();
    log.warn("no longer leading", "epoch", was, "reason", why);
    listener.deposed(was, why);
  }

  @Override
  public void close() {
    closed = true;
    threads.shutdownNow();
  }
}
