// `regops completion bash|zsh`: the script is generated from the command tree, so a test that
// sources it in a real bash and completes a few command lines checks both the script and the tree.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { regops } from "../helpers/cli.js";

const run = promisify(execFile);

async function complete(script: string, words: string[]): Promise<string[]> {
  const line = `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _regops; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run("bash", ["-c", `${script}\n${line}`], { encoding: "utf8" });
  return stdout.split("\n").filter(Boolean).sort();
}

describe("shell completion", () => {
  it("when the bash script is sourced, then it completes commands, subcommands, flags and flag values", async () => {
    const r = await regops(["completion", "bash"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^complete -o default -F _regops regops$/m);
    expect(await complete(r.stdout, ["regops", "re"])).toEqual(["refresh", "registries", "retag", "retention"]);
    expect(await complete(r.stdout, ["regops", "jobs", ""])).toEqual(expect.arrayContaining(["cancel", "get", "ls"]));
    expect(await complete(r.stdout, ["regops", "scan", "img:v1", "--fail"])).toEqual(["--fail-on"]);
    expect(await complete(r.stdout, ["regops", "prune", "--target", ""])).toEqual(["buildCache", "containers", "images", "system", "volumes"]);
    expect(await complete(r.stdout, ["regops", "jobs", "ls", "-o", "y"])).toEqual(["yaml"]);
    expect(await complete(r.stdout, ["regops", "refresh", "img:v1", "--u"])).toEqual(["--url"]); // global flags everywhere
  });

  it("when zsh is asked for, then the same completion is wrapped for bashcompinit; an unknown shell is a usage error", async () => {
    const zsh = await regops(["completion", "zsh"]);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout.split("\n").slice(0, 3)).toEqual(["#compdef regops", expect.stringContaining("source <(regops completion zsh)"), "autoload -U +X bashcompinit && bashcompinit"]);
    expect(zsh.stdout).toContain("complete -o default -F _regops regops");
    expect((await regops(["completion", "fish"])).code).toBe(2);
  });
});
