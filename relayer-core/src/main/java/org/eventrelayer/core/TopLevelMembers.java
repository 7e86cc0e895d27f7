package org.eventrelayer.core;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the top-level members of a JSON object's UTF-8 bytes and cuts out those of one name, leaving every other
 * byte as it was, so a signature can cover exactly the bytes that were sent. Only the structure is scanned
 * (multi-byte UTF-8 never holds a structural ASCII byte); keys are decoded, so an escaped key is still found.
 */
final class TopLevelMembers {

  private TopLevelMembers() {}

  /** One member: its decoded key and where its key starts and its value starts and ends. */
  record Member(String key, int keyStart, int valueStart, int valueEnd) {}

  /** The object's members in order, or {@code null} if {@code json} is not one well-formed JSON object. */
  static List<Member> members(byte[] json) {
    try {
      return new Scanner(json).members();
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      return null;
    }
  }

  /**
   * {@code json} without its members named {@code name} and the commas that separated them; {@code null} if it
   * is not a JSON object. Cutting out a member appended last gives back exactly the object it was appended to.
   */
  static byte[] without(byte[] json, List<Member> members, String name) {
    int first = 0; // the first member kept
    while (first < members.size() && members.get(first).key().equals(name)) {
      first++;
    }
    if (first == 0 && members.stream().noneMatch(m -> m.key().equals(name))) {
      return json;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length);
    int copied;
    if (first > 0) { // a leading run: cut up to the first kept member's key (or all of them)
      out.write(json, 0, members.get(0).keyStart());
      copied = first < members.size() ? members.get(first).keyStart() : members.get(first - 1).valueEnd();
    } else {
      copied = 0;
    }
    for (int i = Math.max(first, 1); i < members.size(); i++) {
      if (members.get(i).key().equals(name)) { // cut from the end of the member before it: its comma goes too
        int cutStart = members.get(i - 1).valueEnd();
        out.write(json, copied, cutStart - copied);
        copied = members.get(i).valueEnd();
      }
    }
    out.write(json, copied, json.length - copied);
    return out.toByteArray();
  }

  /** The decoded JSON string whose opening quote is at {@code start} of {@code json}. */
  static String stringAt(byte[] json, int start) {
    return new Scanner(json).stringAt(start);
  }

  private static final class Scanner {
    private final byte[] b;
    private int pos;

    Scanner(byte[] b) {
      this.b = b;
    }

    List<Member> members() {
      List<Member> out = new ArrayList<>();
      skipSpace();
      expect('{');
      skipSpace();
      if (peek() == '}') {
        pos++;
      } else {
        while (true) {
          skipSpace();
          int keyStart = pos;
          String key = string();
          skipSpace();
          expect(':');
          skipSpace();
          int valueStart = pos;
          value(0);
          out.add(new Member(key, keyStart, valueStart, pos));
          skipSpace();
          byte c = next();
          if (c == '}') {
            break;
          }
          if (c != ',') {
            throw new IllegalArgumentException("expected , or }");
          }
        }
      }
      skipSpace();
      if (pos != b.length) {
        throw new IllegalArgumentException("trailing bytes");
      }
      return out;
    }

    /** The decoded string whose opening quote is at {@code start}. */
    String stringAt(int start) {
      pos = start;
      return string();
    }

    private void value(int depth) {
      if (depth > 1000) {
        throw new IllegalArgumentException("too deep");
      }
      byte c = peek();
      if (c == '"') {
        string();
      } else if (c == '{' || c == '[') {
        byte close = (byte) (c == '{' ? '}' : ']');
        pos++;
        skipSpace();
        if (peek() == close) {
          pos++;
          return;
        }
        while (true) {
          skipSpace();
          if (c == '{') {
            string();
            skipSpace();
            expect(':');
            skipSpace();
          }
          value(depth + 1);
          skipSpace();
          byte n = next();
          if (n == close) {
            return;
          }
          if (n != ',') {
            throw new IllegalArgumentException("expected ,");
          }
        }
      } else {
        int start = pos;
        while (pos < b.length && "-+.0123456789eEtrufalsn".indexOf(b[pos]) >= 0) {
          pos++;
        }
        if (pos == start) {
          throw new IllegalArgumentException("expected a value");
        }
      }
    }

    /** Reads a JSON string at {@code pos}, returning it decoded. */
    private String string() {
      expect('"');
      ByteArrayOutputStream raw = new ByteArrayOutputStream(16);
      StringBuilder decoded = new StringBuilder();
      while (true) {
        byte c = next();
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          flush(raw, decoded);
          byte e = next();
          switch (e) {
            case 'n' -> decoded.append('\n');
            case 't' -> decoded.append('\t');
            case 'r' -> decoded.append('\r');
            case 'b' -> decoded.append('\b');
            case 'f' -> decoded.append('\f');
            case 'u' -> {
              if (pos + 4 > b.length) {
                throw new IllegalArgumentException("bad escape");
              }
              decoded.append((char) Integer.parseInt(new String(b, pos, 4, StandardCharsets.US_ASCII), 16));
              pos += 4;
            }
            default -> decoded.append((char) e);
          }
        } else {
          raw.write(c);
        }
      }
      flush(raw, decoded);
      return decoded.toString();
    }

    private static void flush(ByteArrayOutputStream raw, StringBuilder decoded) {
      if (raw.size() > 0) {
        decoded.append(raw.toString(StandardCharsets.UTF_8));
        raw.reset();
      }
    }

    private void skipSpace() {
      while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r')) {
        pos++;
      }
    }

    private byte peek() {
      if (pos >= b.length) {
        throw new IllegalArgumentException("truncated");
      }
      return b[pos];
    }

    private byte next() {
      byte c = peek();
      pos++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) {
        throw new IllegalArgumentException("expected " + c);
      }
    }
  }
}
