package dev.spc.server.metrics;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.spc.proto.DoneReason;
import dev.spc.proto.Stats;
import dev.spc.server.loop.LoopSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * The last half hour of the coordinator's counts, one sample every few seconds, for the
 * dashboard's charts ({@code GET /v1/history}): a page opened now shows the recent past at once.
 * Each sample holds totals (submitted, finished by outcome); the reader takes differences. Kept
 * in memory only, so a restart starts a new history.
 */
public final class History {
  /** Samples kept: half an hour at one sample every five seconds. */
  static final int KEEP = 360;

  /** One sample: when (epoch millis), totals since start, and current counts. */
  record Sample(long at, long submitted, long[] finished, long pending, long running,
      long scheduled, long blocked, int busySlots, int slots) {}

  private final ArrayDeque<Sample> samples = new ArrayDeque<>(KEEP);
  private final int intervalSeconds;

  public History(int intervalSeconds) {
    this.intervalSeconds = intervalSeconds;
  }

  /** Takes a sample from a loop snapshot made at {@code atMillis}. */
  public synchronized void sample(long atMillis, LoopSnapshot s) {
    long[] finished = new long[LoopCounts.REASONS];
    if (s.counted() instanceof LoopCounts c) {
      for (long[] byReason : c.finished.values()) {
        for (int i = 0; i < finished.length; i++) {
          finished[i] += byReason[i];
        }
      }
    }
    Stats st = s.stats();
    if (samples.size() == KEEP) {
      samples.removeFirst();
    }
    samples.addLast(new Sample(atMillis, st.getSubmittedTotal(), finished, st.getPending(),
        st.getRunning(), st.getScheduled(), st.getBlocked(), st.getBusySlots(), st.getSlots()));
  }

  /**
   * Writes the samples as JSON: {@code {"interval_seconds", "samples": [{"at", "submitted",
   * "finished": {"DONE": n, ...}, "pending", "running", "scheduled", "blocked", "busy_slots",
   * "slots"}]}}, oldest first; returns the content type.
   */
  public String write(OutputStream out) throws IOException {
    JsonObject o = new JsonObject();
    o.addProperty("interval_seconds", intervalSeconds);
    JsonArray list = new JsonArray();
    synchronized (this) {
      for (Sample s : samples) {
        JsonObject j = new JsonObject();
        j.addProperty("at", s.at());
        j.addProperty("submitted", s.submitted());
        JsonObject f = new JsonObject();
        for (int i = 1; i < s.finished().length; i++) {
          DoneReason r = DoneReason.forNumber(i);
          if (r != null) {
            f.addProperty(r.name().substring("DONE_REASON_".length()).toLowerCase(Locale.ROOT),
                s.finished()[i]);
          }
        }
        j.add("finished", f);
        j.addProperty("pending", s.pending());
        j.addProperty("running", s.running());
        j.addProperty("scheduled", s.scheduled());
        j.addProperty("blocked", s.blocked());
        j.addProperty("busy_slots", s.busySlots());
        j.addProperty("slots", s.slots());
        list.add(j);
      }
    }
    o.add("samples", list);
    out.write(o.toString().getBytes(StandardCharsets.UTF_8));
    return "application/json";
  }
}
