package dev.spc.cli;

import dev.spc.client.SpcClient;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a client command connects and how it answers: {@code --coordinator}, credentials, TLS and
 * {@code --output}, shared by every client command. Each also has a default from the environment
 * or the config file ({@link ConfigDefaults}).
 */
final class Target {
  /** How a client command prints what it got. */
  enum Output { text, json }

  @Option(names = "--coordinator", defaultValue = "127.0.0.1:7070", description = "HOST:PORT of the"
      + " coordinator, or several comma-separated for a cluster (default: $SPC_COORDINATOR, the"
      + " config file, or ${DEFAULT-VALUE}).")
  String coordinator = "127.0.0.1:7070";

  @Option(names = "--token",
      description = "Bearer token, for a coordinator that asks for one (default: $SPC_TOKEN or the config file).")
  @Nullable String token;

  @Option(names = "--output", defaultValue = "text", description = "text for people; json for"
      + " scripts: each message the coordinator answered, one JSON object per line in the protobuf"
      + " JSON mapping, list replies one item per line (default: $SPC_OUTPUT, the config file, or"
      + " ${DEFAULT-VALUE}).")
  Output output = Output.text;

  @Mixin
  TlsOptions tls = new TlsOptions();

  SpcClient connect() {
    SpcClient.Builder b = tls.apply(SpcClient.newBuilder().target(coordinator).token(token));
    if (output == Output.json) {
      b.intercept(JsonOutput.start());
    }
    return b.build();
  }
}
