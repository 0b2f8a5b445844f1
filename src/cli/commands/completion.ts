// regops completion bash|zsh: a completion script generated from the command tree itself, so
// a new command or flag completes without anyone editing a script. zsh runs the bash script
// through bashcompinit, as many CLIs do.
import { Argument, type Command } from "commander";
import type { Runtime } from "../runtime.js";

interface Node {
  path: string;
  words: string[];
  choices: [flag: string, values: string[]][];
}

function walk(cmd: Command, path: string, out: Node[], inherited: string[]): void {
  const own = cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
  const flags = [...inherited, ...own, "--help"];
  const words = [...cmd.commands.map((c) => c.name()), ...flags];
  const choices = cmd.options.filter((o) => o.argChoices?.length).flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)).map((f) => [f, o.argChoices!] as [string, string[]]));
  out.push({ path, words: [...new Set(words)], choices });
  for (const sub of cmd.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name(), out, path === "" ? own : inherited);
}

export function bashCompletion(program: Command): string {
  const nodes: Node[] = [];
  walk(program, "", nodes, []);
  const words = nodes.map((n) => `    ${JSON.stringify(n.path)}) echo ${JSON.stringify(n.words.join(" "))} ;;`).join("\n");
  const values = nodes.flatMap((n) => n.choices.map(([flag, v]) => `    ${JSON.stringify(`${n.path}|${flag}`)}) echo ${JSON.stringify(v.join(" "))} ;;`)).join("\n");
  return `# regops completion for bash: source <(regops completion bash)
_regops_words() {
  case "$1" in
${words}
  esac
}
_regops_values() {
  case "$1" in
${values}
  esac
}
_regops() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" next w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    next="\${path:+$path }$w"
    [[ -n "$(_regops_words "$next")" ]] && path="$next"
  done
  local vals
  vals="$(_regops_values "$path|$prev")"
  if [[ -n "$vals" ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$vals" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_regops_words "$path")" -- "$cur")
  fi
}
complete -o default -F _regops regops
`;
}

export function zshCompletion(program: Command): string {
  return `#compdef regops
# regops completion for zsh: source <(regops completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}

export function registerCompletion(program: Command, rt: Runtime): void {
  program
    .command("completion")
    .description("print a shell completion script: source <(regops completion bash)")
    .addArgument(new Argument("<shell>").choices(["bash", "zsh"]))
    .action((shell: "bash" | "zsh") => {
      rt.io.stdout.write(shell === "bash" ? bashCompletion(program) : zshCompletion(program));
    });
}
