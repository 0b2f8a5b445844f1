// One docker-compose (Debian's 1.29, v1) project of the repository's docker-compose.yml, under a
// project name of its own so that runs side by side (other worktrees, other people on the same
// daemon) never share containers, networks or volumes. Every call is an argv array.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ComposeOptions {
  /** The directory of docker-compose.yml (the build context and the base of its relative paths). */
  dir: string;
  /** `-p`: containers, network and volumes are named after it. */
  project: string;
  /** Extra `-f` files after docker-compose.yml (overrides, merged by compose). */
  overrides?: string[];
  /** The variables docker-compose.yml reads, on top of this process's environment. */
  env: Record<string, string>;
}

export class ComposeProject {
  constructor(private readonly opts: ComposeOptions) {}

  get name(): string {
    return this.opts.project;
  }

  /** `docker-compose -p NAME -f ... ARGS`; throws with the command's last output lines on failure. */
  async run(args: string[], timeoutMs = 5 * 60_000): Promise<string> {
    const files = ["docker-compose.yml", ...(this.opts.overrides ?? [])].flatMap((f) => ["-f", f]);
    const argv = ["-p", this.opts.project, ...files, ...args];
    try {
      const { stdout } = await run("docker-compose", argv, {
        cwd: this.opts.dir,
        env: { ...process.env, ...this.opts.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: timeoutMs,
      });
      return stdout;
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string; code?: unknown };
      const tail = `${e.stdout ?? ""}\n${e.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
      throw new Error(`docker-compose ${argv.join(" ")} failed (exit ${String(e.code)}):\n${tail}`, { cause: err });
    }
  }

  /** The host address ("127.0.0.1:32771") the `index`th replica (from 1) publishes `port` on. */
  async port(service: string, port: number, index = 1): Promise<string> {
    const out = (await this.run(["port", "--index", String(index), service, String(port)])).trim();
    if (!/^[\d.]+:\d+$/.test(out)) throw new Error(`${service} #${index} publishes no port ${port} (docker-compose port said "${out}")`);
    return out;
  }

  /** The container ids of a service's replicas. */
  async containers(service: string): Promise<string[]> {
    return (await this.run(["ps", "-q", service])).split("\n").filter(Boolean);
  }

  /** Each replica's address on the project network. */
  async addresses(service: string): Promise<string[]> {
    const ids = await this.containers(service);
    if (ids.length === 0) return [];
    const { stdout } = await run("docker", ["inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", ...ids]);
    return stdout.split(/\s+/).filter(Boolean);
  }

  /** Everything compose made for the project: containers, network, volumes (`down -v`). */
  async down(): Promise<void> {
    // -t: a worker's stop_grace_period (45 s) is for running jobs; these are idle by now
    await this.run(["down", "-v", "--remove-orphans", "-t", "10"]);
  }
}
