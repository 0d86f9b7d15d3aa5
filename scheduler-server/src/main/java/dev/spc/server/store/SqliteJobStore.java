package dev.spc.server.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spc.proto.store.StoredJob;
import dev.spc.proto.store.StoredSchedule;
import dev.spc.server.loop.JobIds;
import dev.spc.server.loop.Persistence.JobRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Jobs in SQLite (xerial sqlite-jdbc) in WAL mode with {@code synchronous=FULL}: a commit is
 * fsync'd before it returns. One row a job, keyed by its sequence: the job's {@link StoredJob} in
 * two parts, {@code fixed} written once and {@code data} at every change ({@link JobRow}); a row
 * an older coordinator wrote whole has its all in {@code data}. See docs/storage.md for why SQLite.
 */
public final class SqliteJobStore implements JobStore {
  /** The layout this code writes ({@code PRAGMA user_version}): 1 added the fixed part. */
  private static final int LAYOUT = 1;

  private final Connection db;
  /** New jobs' rows whole: {@link #ROWS} at a time, one at a time for the rest. */
  private final PreparedStatement inserts;
  private final PreparedStatement insert;
  /** Jobs' new states: {@link #ROWS} at a time ({@link #states}), one at a time for the rest. */
  private final PreparedStatement updates;
  private final PreparedStatement update;
  private final PreparedStatement delete;

  public SqliteJobStore(Path dataDir) throws StoreException {
    try {
      Files.createDirectories(dataDir);
      db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("spc.db"));
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        s.execute("CREATE TABLE IF NOT EXISTS jobs (seq INTEGER PRIMARY KEY, data BLOB NOT NULL, fixed BLOB)");
        s.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS schedules (id TEXT PRIMARY KEY, data BLOB NOT NULL)");
        upgrade(s);
      }
      // Transactions are explicit (BEGIN/COMMIT/ROLLBACK): after a failed write (a full disk)
      // SQLite may already have rolled back, and the driver's implicit transactions lose track.
      insert = db.prepareStatement(wholeRows(1));
      inserts = db.prepareStatement(wholeRows(ROWS));
      update = db.prepareStatement(states(1));
      updates = db.prepareStatement(states(ROWS));
      delete = db.prepareStatement("DELETE FROM jobs WHERE seq = ?");
    } catch (SQLException | java.io.IOException e) {
      throw new StoreException("cannot open the store in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** Brings an older file's layout up to {@link #LAYOUT}; refuses a newer one. */
  private static void upgrade(Statement s) throws SQLException {
    int layout;
    try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      layout = rs.next() ? rs.getInt(1) : 0;
    }
    if (layout > LAYOUT) {
      throw new SQLException("its layout is version " + layout + ", newer than this coordinator knows ("
          + LAYOUT + "): upgrade the coordinator");
    }
    if (layout < 1) {
      boolean hasFixed = false;
      try (ResultSet rs = s.executeQuery("PRAGMA table_info(jobs)")) {
        while (rs.next()) {
          hasFixed |= "fixed".equals(rs.getString("name"));
        }
      }
      if (!hasFixed) {
        s.execute("ALTER TABLE jobs ADD COLUMN fixed BLOB");
      }
      s.execute("PRAGMA user_version = " + LAYOUT);
    }
  }

  /**
   * Rows per statement: replacing 300,000 states took 1.9 us a row one statement each and 1.0 us
   * in statements of 100 rows (sqlite-jdbc, WAL, groups of 10,000 a commit); inserting new jobs'
   * rows this way too took a burn-down's writes (a row inserted, its state replaced twice) from
   * 2.7-2.8 to 2.4-2.6 us a job.
   */
  private static final int ROWS = 64;

  /** A statement writing {@code rows} new jobs' rows whole: (seq, state, fixed), row after row. */
  private static String wholeRows(int rows) {
    return "INSERT OR REPLACE INTO jobs (seq, data, fixed) VALUES (?, ?, ?)" + ", (?, ?, ?)".repeat(rows - 1);
  }

  /**
   * A statement replacing the state of {@code rows} jobs, keeping their fixed parts: (seq, state)
   * parameters, row after row.
   */
  private static String states(int rows) {
    return "INSERT INTO jobs (seq, data) VALUES (?, ?)" + ", (?, ?)".repeat(rows - 1)
        + " ON CONFLICT (seq) DO UPDATE SET data = excluded.data";
  }

  /** Sets the parameters of the {@code row}-th row of a statement to {@code j}'s. */
  @FunctionalInterface
  private interface RowParameters {
    void set(PreparedStatement p, int row, JobRow j) throws SQLException;
  }

  private static void whole(PreparedStatement p, int row, JobRow j) throws SQLException {
    p.setLong(3 * row + 1, j.seq());
    p.setBytes(3 * row + 2, j.state());
    p.setBytes(3 * row + 3, java.util.Objects.requireNonNull(j.fixed(), "a new job's row has its fixed part"));
  }

  private static void state(PreparedStatement p, int row, JobRow j) throws SQLException {
    p.setLong(2 * row + 1, j.seq());
    p.setBytes(2 * row + 2, j.state());
  }

  /** Writes {@code rows} in statements of {@link #ROWS} rows ({@code many}), the rest one each. */
  private static void write(List<JobRow> rows, PreparedStatement many, PreparedStatement one,
      RowParameters parameters) throws SQLException {
    int whole = rows.size() - rows.size() % ROWS;
    for (int i = 0; i < whole; i++) {
      parameters.set(many, i % ROWS, rows.get(i));
      if (i % ROWS == ROWS - 1) {
        many.executeUpdate();
      }
    }
    for (JobRow j : rows.subList(whole, rows.size())) {
      parameters.set(one, 0, j);
      one.addBatch();
    }
    if (whole < rows.size()) {
      one.executeBatch();
    }
  }

  @Override
  public Recovered load() throws StoreException {
    try {
      String incarnation = null;
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("SELECT v FROM meta WHERE k = 'incarnation'")) {
        if (rs.next()) {
          incarnation = rs.getString(1);
        }
      }
      Iterable<StoredJob> jobs = new StreamedJobs("the SQLite store's jobs", row -> {
        try (Statement s = db.createStatement();
            ResultSet rs = s.executeQuery("SELECT "
                + StreamedJobs.WHOLE_ROW.formatted("CAST(fixed || data AS BLOB)")
                + " FROM jobs ORDER BY seq")) {
          while (rs.next()) {
            // || joins blobs byte for byte in a UTF-8 database (SQLite's default)
            row.accept(rs.getBytes(1));
          }
        }
      });
      List<StoredSchedule> schedules = new ArrayList<>();
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("SELECT data FROM schedules ORDER BY id")) {
        while (rs.next()) {
          schedules.add(StoredSchedule.parseFrom(rs.getBytes(1)));
        }
      }
      java.util.Map<String, String> settings = new java.util.HashMap<>();
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("SELECT k, v FROM meta WHERE k LIKE 'setting.%'")) {
        while (rs.next()) {
          settings.put(rs.getString(1).substring(SETTING_PREFIX.length()), rs.getString(2));
        }
      }
      return new Recovered(incarnation, jobs, schedules, settings);
    } catch (SQLException | InvalidProtocolBufferException e) {
      throw new StoreException("cannot read the store: " + e.getMessage(), e);
    }
  }

  @Override
  public void saveIncarnation(String incarnation) throws StoreException {
    try (PreparedStatement p = db.prepareStatement(
        "INSERT OR REPLACE INTO meta (k, v) VALUES ('incarnation', ?)")) {
      p.setString(1, incarnation);
      p.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot write the store: " + e.getMessage(), e);
    }
  }

  @Override
  public long nextTerm() throws StoreException {
    try {
      exec("BEGIN IMMEDIATE");
      long term = 1;
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery("SELECT v FROM meta WHERE k = 'term'")) {
        if (rs.next()) {
          term = Long.parseLong(rs.getString(1)) + 1;
        }
      }
      if (term > JobIds.MAX_TERM) {
        throw new SQLException("the store has been started " + JobIds.MAX_TERM
            + " times, all the terms its ids have room for");
      }
      try (PreparedStatement p = db.prepareStatement(
          "INSERT OR REPLACE INTO meta (k, v) VALUES ('term', ?)")) {
        p.setString(1, Long.toString(term));
        p.executeUpdate();
      }
      exec("COMMIT");
      return term;
    } catch (SQLException | NumberFormatException e) {
      rollback();
      throw new StoreException("cannot start a new term in the store: " + e.getMessage(), e);
    }
  }

  @Override
  public void commit(Collection<JobRow> upserts, Collection<Long> deletes,
      Collection<StoredSchedule> schedules, Collection<String> schedulesDeleted,
      java.util.Map<String, String> settings) throws StoreException {
    try {
      exec("BEGIN IMMEDIATE");
      if (!settings.isEmpty()) {
        try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)")) {
          for (var e : settings.entrySet()) {
            p.setString(1, SETTING_PREFIX + e.getKey());
            p.setString(2, e.getValue());
            p.executeUpdate();
          }
        }
      }
      if (!schedules.isEmpty() || !schedulesDeleted.isEmpty()) {
        try (PreparedStatement del = db.prepareStatement("DELETE FROM schedules WHERE id = ?");
            PreparedStatement put = db.prepareStatement(
                "INSERT OR REPLACE INTO schedules (id, data) VALUES (?, ?)")) {
          for (String id : schedulesDeleted) {
            del.setString(1, id);
            del.executeUpdate();
          }
          for (StoredSchedule sc : schedules) {
            put.setString(1, sc.getSchedule().getScheduleId());
            put.setBytes(2, sc.toByteArray());
            put.executeUpdate();
          }
        }
      }
      List<JobRow> fresh = new ArrayList<>();
      List<JobRow> states = new ArrayList<>(upserts.size());
      for (JobRow j : upserts) {
        (j.fixed() == null ? states : fresh).add(j);
      }
      write(fresh, inserts, insert, SqliteJobStore::whole);
      write(states, updates, update, SqliteJobStore::state);
      for (long seq : deletes) {
        delete.setLong(1, seq);
        delete.addBatch();
      }
      if (!deletes.isEmpty()) {
        delete.executeBatch();
      }
      exec("COMMIT");
    } catch (SQLException e) {
      rollback();
      throw new StoreException(describe(e), e);
    }
  }

  private static String describe(SQLException e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    if (m.contains("SQLITE_FULL") || m.contains("database or disk is full")) {
      return "disk full: " + m;
    }
    return m;
  }

  private void exec(String sql) throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
  }

  private void rollback() {
    try {
      insert.clearBatch();
      inserts.clearParameters();
      update.clearBatch();
      updates.clearParameters();
      delete.clearBatch();
    } catch (SQLException ignored) {
      // nothing queued
    }
    try {
      exec("ROLLBACK");
    } catch (SQLException ignored) {
      // SQLite rolled back already (a full disk does that), or the connection is broken
    }
  }

  @Override
  public void close() throws StoreException {
    try {
      db.close();
    } catch (SQLException e) {
      throw new StoreException("cannot close the store: " + e.getMessage(), e);
    }
  }
}
