package dev.spc.server.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import dev.spc.server.loop.JobIds;
import dev.spc.server.loop.Persistence.JobRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Jobs in PostgreSQL, shared by every coordinator of a cluster; the same rows as the SQLite store
 * (one per job, its {@link StoredJob} in a fixed part and a state), each with the epoch of the
 * leader that wrote it.
 *
 * <p>Every commit first reads the leader row {@code FOR SHARE} in the same transaction and goes on
 * only if this coordinator still holds the epoch it was elected in: a takeover (which updates that
 * row) waits for commits in flight, and every commit after it fails. So a deposed leader writes
 * nothing once a successor exists, whatever its own clock says; {@link #onFenced} hears of it.
 *
 * <p>The schema is versioned in {@code spc_schema}; {@link #open} upgrades an older database
 * under an advisory lock, so coordinators starting together migrate it once.
 */
public final class PostgresJobStore implements JobStore {
  /** Each entry upgrades the schema by one version; never edit one that has shipped. */
  private static final List<List<String>> MIGRATIONS = List.of(List.of(
      "CREATE TABLE spc_jobs (seq bigint PRIMARY KEY, epoch bigint NOT NULL, data bytea NOT NULL)",
      "CREATE TABLE spc_meta (k text PRIMARY KEY, v text NOT NULL)",
      "CREATE TABLE spc_leader (id int PRIMARY KEY CHECK (id = 1), holder text NOT NULL,"
          + " address text NOT NULL, epoch bigint NOT NULL, expires_at timestamptz NOT NULL)",
      "INSERT INTO spc_leader VALUES (1, '', '', 0, 'epoch')",
      "CREATE TABLE spc_members (holder text PRIMARY KEY, address text NOT NULL,"
          + " role text NOT NULL, seen_at timestamptz NOT NULL)"),
      List.of("CREATE TABLE spc_schedules (id text PRIMARY KEY, epoch bigint NOT NULL,"
          + " data bytea NOT NULL)"),
      // A job's row in two parts: fixed at submission (written once), and its state (Persistence.JobRow).
      List.of("ALTER TABLE spc_jobs ADD COLUMN fixed bytea"));
  private static final long MIGRATION_LOCK = 0x5350_4301L; // "SPC" 1

  private final HikariDataSource pool;
  private final String holder;
  private volatile long epoch = -1;
  private volatile Consumer<String> onFenced = why -> {};

  private PostgresJobStore(HikariDataSource pool, String holder) {
    this.pool = pool;
    this.holder = holder;
  }

  /**
   * Connects to {@code jdbcUrl} ({@code jdbc:postgresql://HOST:PORT/DB?user=U}; the password from
   * the URL or {@code PGPASSWORD}) and brings the schema up to date. {@code holder} names this
   * coordinator in the leader row.
   */
  public static PostgresJobStore open(String jdbcUrl, String holder) throws StoreException {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new StoreException("--store must be a jdbc:postgresql://HOST:PORT/DB?user=U URL, got '"
          + redact(jdbcUrl) + "'", null);
    }
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbcUrl);
    String password = System.getenv("PGPASSWORD");
    if (password != null && !jdbcUrl.contains("password=")) {
      c.setPassword(password);
    }
    c.setPoolName("spc-store");
    c.setMaximumPoolSize(4); // the writer, the leadership lease, a spare
    c.setMinimumIdle(2);
    c.setConnectionTimeout(2_000);
    c.setValidationTimeout(1_000);
    c.setInitializationFailTimeout(-1); // start even if the database is down: it may come back
    // A coordinator frozen (SIGSTOP, a long pause) in the middle of a commit would hold the leader
    // row's share lock for as long as it stays frozen, and no standby could take over: the
    // database ends such a session after a second of idling inside its transaction.
    c.setConnectionInitSql("SET idle_in_transaction_session_timeout = '1s'");
    c.addDataSourceProperty("socketTimeout", "10");
    c.addDataSourceProperty("connectTimeout", "2");
    c.addDataSourceProperty("tcpKeepAlive", "true");
    c.addDataSourceProperty("ApplicationName", "spc-coordinator");
    HikariDataSource pool = new HikariDataSource(c);
    PostgresJobStore store = new PostgresJobStore(pool, holder);
    try {
      store.migrate();
    } catch (SQLException e) {
      pool.close();
      throw new StoreException("cannot prepare the PostgreSQL store at " + redact(jdbcUrl) + ": "
          + e.getMessage(), e);
    }
    return store;
  }

  /** The URL without a password. */
  public static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  public DataSource dataSource() {
    return pool;
  }

  /** From now on commits need the leader row to say this holder, in {@code epoch}. */
  public void fence(long epoch) {
    this.epoch = epoch;
  }

  /** Told (on the writer thread) when a commit found that another coordinator leads now. */
  public void onFenced(Consumer<String> listener) {
    this.onFenced = listener;
  }

  private void migrate() throws SQLException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
        s.execute("CREATE TABLE IF NOT EXISTS spc_schema (version int NOT NULL)");
        int version = 0;
        try (ResultSet rs = s.executeQuery("SELECT max(version) FROM spc_schema")) {
          if (rs.next()) {
            version = rs.getInt(1);
          }
        }
        if (version > MIGRATIONS.size()) {
          c.rollback();
          throw new SQLException("the database's schema is version " + version + ", newer than"
              + " this coordinator knows (" + MIGRATIONS.size() + "): upgrade the coordinator");
        }
        for (int v = version; v < MIGRATIONS.size(); v++) {
          for (String sql : MIGRATIONS.get(v)) {
            s.execute(sql);
          }
          s.execute("INSERT INTO spc_schema (version) VALUES (" + (v + 1) + ")");
        }
      }
      c.commit();
    }
  }

  @Override
  public Recovered load() throws StoreException {
    try (Connection c = pool.getConnection()) {
      String incarnation = null;
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT v FROM spc_meta WHERE k = 'incarnation'")) {
        if (rs.next()) {
          incarnation = rs.getString(1);
        }
      }
      List<StoredJob> jobs = new ArrayList<>();
      try (Statement s = c.createStatement()) {
        s.setFetchSize(10_000);
        c.setAutoCommit(false); // a cursor, not the whole table in memory at once
        try (ResultSet rs = s.executeQuery("SELECT "
            + StreamedJobs.WHOLE_ROW.formatted("fixed || data") + " FROM spc_jobs ORDER BY seq")) {
          while (rs.next()) {
            jobs.add(StoredJob.parseFrom(rs.getBytes(1)));
          }
        }
        c.commit();
      }
      List<StoredSchedule> schedules = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT data FROM spc_schedules ORDER BY id")) {
        while (rs.next()) {
          schedules.add(StoredSchedule.parseFrom(rs.getBytes(1)));
        }
      }
      java.util.Map<String, String> settings = new java.util.HashMap<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT k, v FROM spc_meta WHERE k LIKE 'setting.%'")) {
        while (rs.next()) {
          settings.put(rs.getString(1).substring(SETTING_PREFIX.length()), rs.getString(2));
        }
      }
      c.commit();
      return new Recovered(incarnation, jobs, schedules, settings);
    } catch (SQLException | InvalidProtocolBufferException e) {
      throw new StoreException("cannot read the PostgreSQL store: " + e.getMessage(), e);
    }
  }

  /** Records the id prefix once; a prefix another coordinator recorded first wins. */
  @Override
  public void saveIncarnation(String incarnation) throws StoreException {
    try (Connection c = pool.getConnection();
        PreparedStatement p = c.prepareStatement(
            "INSERT INTO spc_meta (k, v) VALUES ('incarnation', ?) ON CONFLICT (k) DO NOTHING")) {
      p.setString(1, incarnation);
      p.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot write the PostgreSQL store: " + e.getMessage(), e);
    }
  }

  @Override
  public long nextTerm() throws StoreException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("INSERT INTO spc_meta (k, v) VALUES ('term', '1')"
            + " ON CONFLICT (k) DO UPDATE SET v = (spc_meta.v::bigint + 1)::text RETURNING v")) {
      rs.next();
      long term = Long.parseLong(rs.getString(1));
      if (term > JobIds.MAX_TERM) {
        throw new StoreException("the store has been started " + JobIds.MAX_TERM
            + " times, all the terms its ids have room for", null);
      }
      return term;
    } catch (SQLException | NumberFormatException e) {
      throw new StoreException("cannot start a new term in the PostgreSQL store: " + e.getMessage(), e);
    }
  }

  @Override
  public void commit(Collection<JobRow> upserts, Collection<Long> deletes,
      Collection<StoredSchedule> schedules, Collection<String> schedulesDeleted,
      java.util.Map<String, String> settings) throws StoreException {
    long mine = epoch;
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        String leader = null;
        long current = -1;
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT holder, epoch FROM spc_leader WHERE id = 1 FOR SHARE")) {
          if (rs.next()) {
            leader = rs.getString(1);
            current = rs.getLong(2);
          }
        }
        if (current != mine || !holder.equals(leader)) {
          c.rollback();
          String why = "epoch " + current + " belongs to another coordinator (this one was elected"
              + " in epoch " + mine + ")";
          onFenced.accept(why);
          throw new StoreException("deposed: " + why, null);
        }
        if (!upserts.isEmpty()) {
          try (PreparedStatement insert = c.prepareStatement("INSERT INTO spc_jobs (seq, epoch, data, fixed)"
              + " VALUES (?, ?, ?, ?) ON CONFLICT (seq) DO UPDATE SET epoch = EXCLUDED.epoch,"
              + " data = EXCLUDED.data, fixed = EXCLUDED.fixed");
              PreparedStatement update = c.prepareStatement(
                  "UPDATE spc_jobs SET epoch = ?, data = ? WHERE seq = ?")) {
            int inserts = 0;
            int updates = 0;
            for (JobRow j : upserts) {
              byte[] fixed = j.fixed();
              if (fixed != null) {
                insert.setLong(1, j.seq());
                insert.setLong(2, mine);
                insert.setBytes(3, j.state());
                insert.setBytes(4, fixed);
                insert.addBatch();
                inserts++;
              } else {
                update.setLong(1, mine);
                update.setBytes(2, j.state());
                update.setLong(3, j.seq());
                update.addBatch();
                updates++;
              }
            }
            if (inserts > 0) {
              insert.executeBatch();
            }
            if (updates > 0) {
              update.executeBatch();
            }
          }
        }
        if (!deletes.isEmpty()) {
          try (PreparedStatement p = c.prepareStatement("DELETE FROM spc_jobs WHERE seq = ANY (?)")) {
            p.setArray(1, c.createArrayOf("bigint", deletes.toArray()));
            p.executeUpdate();
          }
        }
        if (!settings.isEmpty()) {
          try (PreparedStatement p = c.prepareStatement("INSERT INTO spc_meta (k, v) VALUES (?, ?)"
              + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")) {
            for (var e : settings.entrySet()) {
              p.setString(1, SETTING_PREFIX + e.getKey());
              p.setString(2, e.getValue());
              p.addBatch();
            }
            p.executeBatch();
          }
        }
        if (!schedulesDeleted.isEmpty()) {
          try (PreparedStatement p = c.prepareStatement("DELETE FROM spc_schedules WHERE id = ANY (?)")) {
            p.setArray(1, c.createArrayOf("text", schedulesDeleted.toArray()));
            p.executeUpdate();
          }
        }
        if (!schedules.isEmpty()) {
          try (PreparedStatement p = c.prepareStatement("INSERT INTO spc_schedules (id, epoch, data)"
              + " VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET epoch = EXCLUDED.epoch,"
              + " data = EXCLUDED.data")) {
            for (StoredSchedule sc : schedules) {
              p.setString(1, sc.getSchedule().getScheduleId());
              p.setLong(2, mine);
              p.setBytes(3, sc.toByteArray());
              p.addBatch();
            }
            p.executeBatch();
          }
        }
        c.commit();
      } catch (SQLException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection is gone; the pool replaces it
        }
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("PostgreSQL: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }

  /** The holder name this store writes under. */
  public String holder() {
    return holder;
  }

  /** A one-line status of the database, for refusals: null when it answers. */
  public @Nullable String unreachable() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(1) ? null : "the database does not answer";
    } catch (SQLException e) {
      return String.valueOf(e.getMessage());
    }
  }
}
