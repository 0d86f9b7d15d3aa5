package dev.spc.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code spc completion}: a bash (and zsh, through bashcompinit) completion script generated from
 * the command definitions, so it always knows every command and option.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a shell completion script for bash and zsh.",
        "bash: source <(bin/spc completion)   (or save it to /etc/bash_completion.d/spc)",
        "zsh:  autoload -U +X bashcompinit && bashcompinit && source <(bin/spc completion)"})
final class CompletionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    System.out.print(AutoComplete.bash("spc", spec.root().commandLine()));
    System.out.flush();
    return ExitCodes.OK;
  }
}
