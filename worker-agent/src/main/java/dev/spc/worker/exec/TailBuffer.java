package dev.spc.worker.exec;

/** Keeps the last {@code capacity} bytes written to it; its memory never grows past that. */
final class TailBuffer {
  private final byte[] ring;
  private int pos;
  private boolean wrapped;
  private long total;

  TailBuffer(int capacity) {
    this.ring = new byte[capacity];
  }

  synchronized void write(byte[] b, int off, int len) {
    total += len;
    if (ring.length == 0) {
      return;
    }
    if (len >= ring.length) {
      System.arraycopy(b, off + len - ring.length, ring, 0, ring.length);
      pos = 0;
      wrapped = true;
      return;
    }
    int first = Math.min(len, ring.length - pos);
    System.arraycopy(b, off, ring, pos, first);
    System.arraycopy(b, off + first, ring, 0, len - first);
    if (pos + len >= ring.length) {
      wrapped = true;
    }
    pos = (pos + len) % ring.length;
  }

  /** Bytes written in all. */
  synchronized long total() {
    return total;
  }

  /** The kept bytes, oldest first. */
  synchronized byte[] snapshot() {
    if (!wrapped) {
      return java.util.Arrays.copyOf(ring, pos);
    }
    byte[] out = new byte[ring.length];
    System.arraycopy(ring, pos, out, 0, ring.length - pos);
    System.arraycopy(ring, 0, out, ring.length - pos, pos);
    return out;
  }
}
