// What every command gets: where to write, whether a person is watching, colours, and a lazily
// connected API client (so `regops --help` and `regops context` work with no API configured).
import { ApiClient } from "./api-client.js";
import { colours, colourWanted, type Colours } from "./output/colour.js";
import { resolveConnection, type ConnectionFlags } from "./connection/resolve.js";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface GlobalFlags extends ConnectionFlags {
  color?: boolean;
}

export class Runtime {
  exitCode = 0;
  private clientPromise?: Promise<ApiClient>;

  constructor(
    readonly io: Io,
    private readonly globals: () => GlobalFlags,
  ) {}

  /** A person at a terminal: live progress, prompts, tables. */
  get interactive(): boolean {
    return this.io.stdout.isTTY === true && this.io.stderr.isTTY === true;
  }

  get colours(): Colours {
    return colours(colourWanted(this.io.stdout, this.io.env, this.globals().color));
  }

  get errColours(): Colours {
    return colours(colourWanted(this.io.stderr, this.io.env, this.globals().color));
  }

  client(): Promise<ApiClient> {
    this.clientPromise ??= resolveConnection(this.globals(), this.io.env).then((c) => new ApiClient(c));
    return this.clientPromise;
  }

  out(line = ""): void {
    this.io.stdout.write(`${line}\n`);
  }

  err(line = ""): void {
    this.io.stderr.write(`${line}\n`);
  }
}
