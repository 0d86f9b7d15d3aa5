package dev.spc.server.store;

import com.google.protobuf.WireFormat;
import dev.spc.proto.WireBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of the log store's files ({@link LogJobStore}). A file is an 8-byte magic followed by
 * frames: a 4-byte big-endian payload length, the payload's CRC-32C, the payload. A payload is a
 * run of protobuf-encoded entries, read in order:
 *
 * <ul>
 *   <li>a job's row: {@code 1} its sequence, then {@code 3} its fixed part (only when the row
 *       carries it: the job's first row), then {@code 2} its state, which ends the entry;
 *   <li>{@code 4} the sequence of a job deleted;
 *   <li>a schedule: {@code 5} its id, then {@code 11} its {@code StoredSchedule} bytes;
 *   <li>{@code 6} the id of a schedule deleted;
 *   <li>a key-value setting of the store: {@code 7} the key, then {@code 8} its value;
 *   <li>{@code 9} the end of a snapshot, with the number of jobs it holds.
 * </ul>
 *
 * A log's frame is one commit; a snapshot's first frame holds its settings and schedules, the
 * frames after it its jobs in sequence order, and its last frame the end entry.
 */
final class LogFormat {
  static final byte[] LOG_MAGIC = "SPCLOG1\n".getBytes(StandardCharsets.US_ASCII);
  static final byte[] SNAPSHOT_MAGIC = "SPCSNP1\n".getBytes(StandardCharsets.US_ASCII);
  /** No frame this store writes comes near it; a length past it is damage, not a frame. */
  static final int MAX_FRAME = 1 << 30;

  static final int SEQ = 1;
  static final int STATE = 2;
  static final int FIXED = 3;
  static final int DELETED = 4;
  static final int SCHEDULE_ID = 5;
  static final int SCHEDULE_DELETED = 6;
  static final int KEY = 7;
  static final int VALUE = 8;
  static final int END = 9;
  static final int SCHEDULE = 11;

  private LogFormat() {}

  /**
   * What a payload's entries say, one call an entry. A job's parts are given as references into
   * the buffer decoded: the position of the part's length (a varint), its bytes after it ({@link
   * #start}, {@link #length}); a job without its fixed part has -1 for it.
   */
  interface Entries {
    void job(long seq, int fixed, int state) throws IOException;

    void deleted(long seq) throws IOException;

    void schedule(String id, byte @Nullable [] stored) throws IOException;

    void setting(String key, String value) throws IOException;

    default void end(long jobs) throws IOException {}
  }

  /** Reads varints and length-delimited values from a buffer, by absolute position. */
  static final class Cursor {
    private final ByteBuffer b;
    private final int limit;
    int pos;

    Cursor(ByteBuffer b, int pos, int limit) {
      this.b = b;
      this.pos = pos;
      this.limit = limit;
    }

    long varint() throws IOException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= limit) {
          throw new IOException("an entry runs past its frame");
        }
        byte x = b.get(pos++);
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new IOException("a malformed varint");
    }

    /** Skips a length-delimited value; returns where its length began. */
    int skip() throws IOException {
      int at = pos;
      long n = varint();
      if (n > limit - pos) {
        throw new IOException("a value runs past its frame");
      }
      pos += (int) n;
      return at;
    }

    byte[] bytes() throws IOException {
      int at = skip();
      int start = start(b, at);
      byte[] out = new byte[pos - start];
      b.get(start, out);
      return out;
    }

    String string() throws IOException {
      return new String(bytes(), StandardCharsets.UTF_8);
    }
  }

  /** Where the bytes of the value whose length is at {@code ref} begin. */
  static int start(ByteBuffer b, int ref) throws IOException {
    Cursor c = new Cursor(b, ref, b.limit());
    c.varint();
    return c.pos;
  }

  /** The length of the value whose length is at {@code ref}. */
  static int length(ByteBuffer b, int ref) throws IOException {
    return (int) new Cursor(b, ref, b.limit()).varint();
  }

  /** Calls {@code to} for each entry of the payload in {@code b} from {@code from} to {@code to}. */
  static void decode(ByteBuffer b, int from, int end, Entries to) throws IOException {
    Cursor c = new Cursor(b, from, end);
    long seq = -1;
    int fixed = -1;
    String id = null;
    String key = null;
    while (c.pos < end) {
      long tag = c.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      boolean delimited = field == FIXED || field == STATE || field == SCHEDULE_ID || field == SCHEDULE
          || field == SCHEDULE_DELETED || field == KEY || field == VALUE;
      if (wire != (delimited ? 2 : 0)) {
        throw new IOException("an entry of unknown kind " + tag);
      }
      switch (field) {
        case SEQ -> {
          seq = c.varint();
          fixed = -1;
        }
        case FIXED -> fixed = c.skip();
        case STATE -> {
          if (seq < 0) {
            throw new IOException("a job's state without its sequence");
          }
          to.job(seq, fixed, c.skip());
          seq = -1;
          fixed = -1;
        }
        case DELETED -> to.deleted(c.varint());
        case SCHEDULE_ID -> id = c.string();
        case SCHEDULE -> {
          if (id == null) {
            throw new IOException("a schedule without its id");
          }
          to.schedule(id, c.bytes());
          id = null;
        }
        case SCHEDULE_DELETED -> to.schedule(c.string(), null);
        case KEY -> key = c.string();
        case VALUE -> {
          if (key == null) {
            throw new IOException("a setting's value without its key");
          }
          to.setting(key, c.string());
          key = null;
        }
        case END -> to.end(c.varint());
        default -> throw new IOException("an entry of unknown kind " + tag);
      }
    }
  }

  /**
   * Builds payloads into one reused buffer, after 8 bytes left for the frame's length and checksum.
   * Written by hand: the store writer and the fold write every row through it, and a protobuf
   * encoder over the buffer (with a view of the mapped file for every part a fold copied) cost
   * more than the bytes.
   */
  static final class Encoder {
    private byte[] buf = new byte[1 << 16];
    private int pos = 8;

    /** Makes room for {@code bytes} more of entries, keeping what is there. */
    void reserve(int bytes) {
      if (buf.length - pos < bytes) {
        buf = Arrays.copyOf(buf, Math.max(pos + bytes, buf.length * 2));
      }
    }

    /** The payload's length so far. */
    int size() {
      return pos - 8;
    }

    void job(long seq, byte @Nullable [] fixed, byte[] state) {
      reserve(24 + state.length + (fixed == null ? 0 : fixed.length));
      varint(SEQ, seq);
      if (fixed != null) {
        bytes(FIXED, fixed);
      }
      bytes(STATE, state);
    }

    /**
     * A job's row copied from other files' bytes: its parts are the values whose lengths are at
     * {@code fixed} in {@code fb} and at {@code state} in {@code sb}.
     */
    void job(long seq, ByteBuffer fb, int fixed, ByteBuffer sb, int state) throws IOException {
      int fixedEnd = start(fb, fixed) + length(fb, fixed);
      int stateEnd = start(sb, state) + length(sb, state);
      reserve(24 + fixedEnd - fixed + stateEnd - state);
      varint(SEQ, seq);
      tag(FIXED, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      fb.get(fixed, buf, pos, fixedEnd - fixed); // the length and the bytes, as they are
      pos += fixedEnd - fixed;
      tag(STATE, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      sb.get(state, buf, pos, stateEnd - state);
      pos += stateEnd - state;
    }

    void deleted(long seq) {
      reserve(11);
      varint(DELETED, seq);
    }

    void schedule(String id, byte @Nullable [] stored) {
      byte[] i = id.getBytes(StandardCharsets.UTF_8);
      reserve(12 + i.length + (stored == null ? 0 : stored.length));
      if (stored == null) {
        bytes(SCHEDULE_DELETED, i);
      } else {
        bytes(SCHEDULE_ID, i);
        bytes(SCHEDULE, stored);
      }
    }

    void setting(String key, String value) {
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      byte[] v = value.getBytes(StandardCharsets.UTF_8);
      reserve(12 + k.length + v.length);
      bytes(KEY, k);
      bytes(VALUE, v);
    }

    void end(long jobs) {
      reserve(11);
      varint(END, jobs);
    }

    /** The frame of the entries so far, length and checksum in front, ready to write. */
    ByteBuffer frame() {
      int n = size();
      CRC32C crc = new CRC32C();
      crc.update(buf, 8, n);
      ByteBuffer b = ByteBuffer.wrap(buf, 0, 8 + n);
      b.putInt(0, n).putInt(4, (int) crc.getValue());
      return b;
    }

    /** Starts a new frame. */
    void clear() {
      pos = 8;
    }

    // Every field number here is below 16: its tag is one byte. Callers reserve the room.
    private void tag(int field, int wire) {
      buf[pos++] = (byte) (field << 3 | wire);
    }

    private void varint(int field, long v) {
      tag(field, WireFormat.WIRETYPE_VARINT);
      varint(v);
    }

    private void varint(long v) {
      pos = WireBytes.varint(buf, pos, v);
    }

    private void bytes(int field, byte[] b) {
      tag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      varint(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }
  }

  /** How a file's reading ended: where its last whole frame ends, and whether anything follows. */
  record Read(long goodEnd, boolean torn, String why) {}

  /** Told each whole frame: its payload is {@code buf} from {@code from} to {@code to}. */
  interface Frames {
    /** False stops the reading there. */
    boolean frame(int chunk, ByteBuffer buf, int from, int to) throws IOException;
  }

  /** Frames are read from the file mapped in windows of at most this much, each whole frames. */
  private static final long WINDOW = 3L << 29;

  /**
   * Reads {@code file} frame by frame, mapping it into memory; each window mapped is added to
   * {@code chunks} (its index is the frame's {@code chunk}), and stays readable after the file is
   * closed. Reads until the end, or a last frame that is cut short or fails its checksum (an
   * append a crash interrupted): that is returned as torn, and the reading ends at the last whole
   * frame before it. A frame failing its checksum with more frames after it is damage, and an
   * IOException.
   */
  static Read read(Path file, byte[] magic, List<ByteBuffer> chunks, Frames to) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      if (size < magic.length) {
        return new Read(0, size > 0, "the file ends inside its header");
      }
      ByteBuffer window = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, WINDOW));
      long windowAt = 0;
      chunks.add(window);
      byte[] m = new byte[magic.length];
      window.get(0, m);
      if (!Arrays.equals(m, magic)) {
        throw new IOException(file + " is not a file of this store (its header is not "
            + new String(magic, StandardCharsets.US_ASCII).trim() + ")");
      }
      CRC32C crc = new CRC32C();
      long pos = magic.length;
      while (pos < size) {
        if (size - pos < 8) {
          return new Read(pos, true, "the file ends inside a frame's header");
        }
        if (pos + 8 > windowAt + window.capacity()) {
          windowAt = pos;
          window = ch.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(size - pos, WINDOW));
          chunks.add(window);
        }
        int at = (int) (pos - windowAt);
        int length = window.getInt(at);
        int sum = window.getInt(at + 4);
        if (length < 0 || length > MAX_FRAME || length > size - pos - 8) {
          return new Read(pos, true, "a frame's length (" + length + ") runs past the file's end");
        }
        if (pos + 8 + length > windowAt + window.capacity()) {
          windowAt = pos;
          window = ch.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(size - pos, WINDOW));
          chunks.add(window);
          at = 0;
        }
        crc.reset();
        crc.update(window.slice(at + 8, length));
        if ((int) crc.getValue() != sum) {
          if (pos + 8 + length < size) {
            // an append cut short is the file's last frame: one with frames after it was damaged
            throw new IOException(file + " is damaged: the frame at byte " + pos
                + " fails its checksum, and " + (size - pos - 8 - length) + " bytes follow it");
          }
          return new Read(pos, true, "a frame fails its checksum");
        }
        pos += 8 + length;
        if (!to.frame(chunks.size() - 1, window, at + 8, at + 8 + length)) {
          return new Read(pos, false, "");
        }
      }
      return new Read(pos, false, "");
    }
  }

  /** Makes a directory's entries (files created, renamed, deleted) durable. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir)) {
      d.force(true);
    }
  }
}
