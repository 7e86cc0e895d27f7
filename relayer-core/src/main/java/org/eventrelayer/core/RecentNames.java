package org.eventrelayer.core;

import java.nio.charset.Charset;
import java.util.Arrays;

/**
 * The last few short strings decoded from spool records (stream names, codec kinds), so that the worker reading a
 * backlog compares bytes instead of building the same string for every record. Worker-confined.
 */
final class RecentNames {

  private final byte[][] bytes = new byte[4][];
  private final String[] strings = new String[4];
  private int next;

  /** The string of {@code a[off, off + n)}: one decoded before if the bytes are equal, else a new one. */
  String get(byte[] a, int off, int n, Charset charset) {
    for (int i = 0; i < bytes.length; i++) {
      byte[] b = bytes[i];
      if (b != null && b.length == n && Arrays.equals(b, 0, n, a, off, off + n)) {
        return strings[i];
      }
    }
    String s = new String(a, off, n, charset);
    bytes[next] = Arrays.copyOfRange(a, off, off + n);
    strings[next] = s;
    next = (next + 1) % bytes.length;
    return s;
  }
}
