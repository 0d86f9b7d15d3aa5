package dev.spc.bench;

import dev.spc.cli.Main;
import dev.spc.server.auth.Identity;
import dev.spc.server.auth.Role;
import dev.spc.server.auth.TokenFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * A secured set-up for {@code bench --tls}: certificates from {@code spc certs init}, an admin
 * token for the client and a worker token for the agents, as an operator would make them.
 */
record Secured(Path dir, Path tokens, String clientToken, String workerToken) {
  static Secured make(Path dir) throws Exception {
    PrintStream old = System.out;
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      int rc = Main.run("certs", "init", dir.resolve("certs").toString(), "--hosts", "localhost");
      if (rc != 0) {
        throw new IllegalStateException("spc certs init failed: " + rc);
      }
    } finally {
      System.setOut(old);
    }
    SecureRandom random = new SecureRandom();
    String client = TokenFile.newToken(random);
    String worker = TokenFile.newToken(random);
    Path tokens = dir.resolve("tokens");
    Files.write(tokens, List.of(
        TokenFile.line(client, new Identity("bench client", Role.ADMIN, true, null)),
        TokenFile.line(worker, new Identity("bench agents", Role.WORKER, false, "bench-*"))));
    return new Secured(dir, tokens, client, worker);
  }

  Path ca() {
    return dir.resolve("certs/ca.pem");
  }

  List<String> serverArgs() {
    return List.of("--tls-cert", dir.resolve("certs/server.pem").toString(),
        "--tls-key", dir.resolve("certs/server-key.pem").toString(),
        "--tokens-file", tokens.toString());
  }

  List<String> workerArgs() {
    return List.of("--tls-ca", ca().toString(), "--token", workerToken);
  }
}
