package dev.spc.server.auth;

import io.grpc.Context;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling, as a credential established it: a role, whether it may submit {@code exec}
 * jobs (they run programs on agents), and for agents the worker names it may register.
 *
 * @param label what the credential is called in logs (never the secret)
 * @param names for a worker identity, the names it may register: globs separated by commas
 *     ({@code gpu-*,cpu-7}); null for any
 */
public record Identity(String label, Role role, boolean exec, @Nullable String names) {
  /** The caller of the current call, when the coordinator checks credentials. */
  public static final Context.Key<Identity> CURRENT = Context.key("spc-identity");

  /** Whether this identity may register a worker called {@code name}. */
  public boolean mayRegister(String name) {
    return names == null || glob(names).matcher(name).matches();
  }

  /** Whether this identity may submit exec jobs. */
  public boolean mayExec() {
    return exec || role == Role.ADMIN;
  }

  /**
   * {@code *} matches any run of characters, {@code ?} one, a comma separates alternatives;
   * everything else is literal.
   */
  static Pattern glob(String g) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < g.length(); i++) {
      char c = g.charAt(i);
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        case ',' -> re.append('|');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
