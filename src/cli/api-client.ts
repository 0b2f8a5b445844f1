// The one way the CLI talks to regops: fetch against the REST API with the key as a Bearer
// token. Every refusal comes back as problem+json; it becomes a CliError whose exit code says
// whose turn it is: the caller's input (2), the connection or key (3), or the job (1).
import { CliError, EXIT, UnreachableError } from "./exit-codes.js";
import type { Connection } from "./connection/resolve.js";

export interface Problem {
  status?: number;
  code?: string;
  title?: string;
  detail?: string;
  hint?: string;
  errors?: { field: string; message: string }[];
}

export class ApiClient {
  constructor(readonly connection: Connection) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const auth: Record<string, string> = this.connection.key ? { authorization: `Bearer ${this.connection.key}` } : {};
    return { accept: "application/json", "user-agent": "regops-cli", ...auth, ...extra };
  }

  /** A raw request: network failures become exit 3; the answer is the caller's to read. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = `${this.connection.url}${path}`;
    try {
      return await fetch(url, { ...init, headers: { ...this.headers(), ...(init.headers as Record<string, string>) } });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new UnreachableError(`cannot reach ${this.connection.url}: ${networkReason(err)}`, "check --url / REGOPS_URL and that regops is running (GET /healthz)");
    }
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.json<T>(await this.fetch(withQuery(path, query)));
  }

  async post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.fetch(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
    return this.json<T>(res);
  }

  async delete<T>(path: string): Promise<T> {
    return this.json<T>(await this.fetch(path, { method: "DELETE" }));
  }

  private async json<T>(res: Response): Promise<T> {
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
    throw problemError(res.status, parseProblem(text));
  }
}

export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function parseProblem(text: string): Problem {
  try {
    return JSON.parse(text) as Problem;
  } catch {
    return { detail: text.slice(0, 500) };
  }
}

export function problemError(status: number, problem: Problem): CliError {
  const code = problem.code ?? `HTTP_${status}`;
  const fields = (problem.errors ?? []).map((e) => `\n  ${e.field}: ${e.message}`).join("");
  const message = `${code}: ${problem.detail ?? problem.title ?? `HTTP ${status}`}${fields}`;
  return new CliError(exitCodeFor(status), message, problem.hint);
}

export function exitCodeFor(status: number): number {
  if (status === 401 || status === 403) return EXIT.unreachable;
  if (status === 400 || status === 422) return EXIT.usage;
  return EXIT.failed;
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
