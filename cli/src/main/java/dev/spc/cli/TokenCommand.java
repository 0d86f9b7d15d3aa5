package dev.spc.cli;

import dev.spc.server.auth.Identity;
import dev.spc.server.auth.Role;
import dev.spc.server.auth.TokenFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spc token}: bearer tokens for a coordinator started with --tokens-file. */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Bearer tokens for a coordinator started with --tokens-file.",
    subcommands = TokenCommand.Create.class)
final class TokenCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("spc token: say what to do: spc token create --help");
    return ExitCodes.USAGE;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a token: prints it once, and appends only its SHA-256 (with the role)"
          + " to the tokens file. A running coordinator picks it up within a second."})
  static final class Create implements Callable<Integer> {
    @Option(names = "--role", required = true,
        description = "reader, submitter, operator, admin or worker.")
    String role = "";

    @Option(names = "--exec", description = "May submit exec jobs (they run programs on agents).")
    boolean exec;

    @Option(names = "--names", description = "For a worker token: the worker names it may register,"
        + " a pattern with * and ? (default: any).")
    @Nullable String names;

    @Option(names = "--label", description = "What the token is for, shown in logs and refusals.")
    String label = "";

    @Option(names = "--tokens-file", required = true, description = "The file to append to (made if missing, mode 600).")
    @Nullable Path file;

    @Override
    public Integer call() throws Exception {
      Role r;
      try {
        r = Role.parse(role);
      } catch (IllegalArgumentException e) {
        System.err.println("spc token create: --" + e.getMessage());
        return ExitCodes.USAGE;
      }
      if (label.contains("\n") || label.contains("\r")) {
        System.err.println("spc token create: --label must be one line");
        return ExitCodes.USAGE;
      }
      if (names != null && !names.matches("[A-Za-z0-9._:*?-]{1,128}")) {
        System.err.println("spc token create: --names must be 1-128 characters of"
            + " [A-Za-z0-9._:-] and the wildcards * and ?, got '" + names + "'");
        return ExitCodes.USAGE;
      }
      Path f = java.util.Objects.requireNonNull(file);
      String token = TokenFile.newToken(new SecureRandom());
      String line = TokenFile.line(token, new Identity(label, r, exec, names)) + "\n";
      if (!Files.exists(f)) {
        Files.createFile(f, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")));
      }
      Files.writeString(f, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      System.out.println(token);
      System.err.println("spc token create: role " + r.label() + (exec ? ", may submit exec jobs" : "")
          + (names == null ? "" : ", worker names " + names) + "; its hash is in " + f
          + "; this is the only time the token is shown");
      return ExitCodes.OK;
    }
  }
}
