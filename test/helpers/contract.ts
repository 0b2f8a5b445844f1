// The OpenAPI document as a contract for real answers: given one response the service gave
// (method, path, status, headers, body), says what in it the document does not describe. The
// schemas are compiled by ajv for JSON Schema 2020-12, the dialect of OpenAPI 3.1.
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import { parse as parseYaml } from "yaml";

// ajv-formats is CommonJS with `export default`: under NodeNext the default is the module.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

export interface SeenResponse {
  method: string;
  /** The request's path, without the query. */
  path: string;
  status: number;
  headers: Headers;
  /** The body as text; undefined when it was not read (a stream, HEAD, 204). */
  body?: string;
  /**
   * False for an answer written on the socket before any route saw the request (what Node's
   * HTTP parser refuses: 400, 408, 431; src/api/client-error.ts): no operation's answer.
   */
  routed?: boolean;
}

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
  headers?: Record<string, { required?: boolean }>;
}
interface Operation {
  responses?: Record<string, ResponseObject>;
}
type PathItem = Record<string, Operation>;

interface OpenApiDocument {
  paths: Record<string, PathItem>;
  components?: { schemas?: Record<string, unknown> };
}

interface Template {
  path: string;
  pattern: RegExp;
  params: number;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/** Where the document is in charge: every /v1 route, the probes, /metrics and /graphql. */
export function isDocumentedDoor(path: string): boolean {
  return path.startsWith("/v1/") || ["/healthz", "/readyz", "/metrics", "/graphql"].includes(path);
}

export class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: Template[];

  constructor(private readonly doc: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc as object, "openapi.json");
    // A literal segment wins over a parameter (/v1/scanner/db before /v1/scanner/{x}).
    this.templates = Object.keys(doc.paths)
      .map((path) => ({ path, pattern: templatePattern(path), params: (path.match(/\{/g) ?? []).length }))
      .sort((a, b) => a.params - b.params);
  }

  static fromFile(file: string | URL): OpenApiContract {
    return new OpenApiContract(parseYaml(readFileSync(file, "utf8")) as OpenApiDocument);
  }

  /** What the document does not describe in this answer; empty when it does. */
  check(seen: SeenResponse): string[] {
    const method = seen.method.toLowerCase();
    if (method === "options") return []; // CORS preflights are the framework's
    const found = seen.routed === false ? undefined : this.operation(seen.path, method);
    if (!found) {
      // No such operation: the router's 404 (or the auth hook's 401 ahead of it) is a problem
      // like any other.
      if (seen.status >= 400 && seen.status < 500) return this.checkBody(seen, "#/components/schemas/Problem", ["application/problem+json"]);
      return [`${seen.status} from an operation the document does not have`];
    }
    const responses = found.op.responses ?? {};
    const statusKey = [String(seen.status), `${String(seen.status)[0]}XX`, "default"].find((k) => responses[k]);
    const documented = statusKey === undefined ? undefined : responses[statusKey];
    if (statusKey === undefined || !documented) {
      return [`status ${seen.status} is not documented (documented: ${Object.keys(responses).join(", ")}); body: ${snippet(seen.body ?? "")}`];
    }
    const problems = Object.entries(documented.headers ?? {})
      .filter(([name, header]) => header.required && !seen.headers.has(name))
      .map(([name]) => `header ${name} is documented as required but missing`);
    const content = documented.content ?? {};
    const contentType = seen.headers.get("content-type");
    if (Object.keys(content).length === 0) {
      if (seen.body) problems.push(`a ${contentType ?? "untyped"} body where the document says there is none`);
      return problems;
    }
    if (method === "head" || seen.status === 204 || seen.status === 304) return problems;
    const mediaType = Object.keys(content).find((m) => mediaTypeMatches(m, contentType));
    if (!mediaType) {
      return [...problems, `content-type ${contentType ?? "(none)"} is not documented (documented: ${Object.keys(content).join(", ")}); body: ${snippet(seen.body ?? "")}`];
    }
    if (!content[mediaType]?.schema) return problems;
    const pointer = `#${found.pointer}/responses/${pointerToken(statusKey)}/content/${pointerToken(mediaType)}/schema`;
    return [...problems, ...this.checkBody(seen, pointer, [mediaType])];
  }

  /** The documented operation for this path and method, with its JSON Pointer. */
  private operation(path: string, method: string): { op: Operation; pointer: string } | undefined {
    if (!METHODS.includes(method)) return undefined;
    const template = this.templates.find((t) => t.pattern.test(path));
    const item = template && this.doc.paths[template.path];
    if (!template || !item) return undefined;
    // Fastify answers HEAD for every GET route, with the GET's headers and no body.
    const name = item[method] ? method : method === "head" && item.get ? "get" : undefined;
    const op = name && item[name];
    return name && op ? { op, pointer: `/paths/${pointerToken(template.path)}/${name}` } : undefined;
  }

  private checkBody(seen: SeenResponse, pointer: string, mediaTypes: string[]): string[] {
    if (seen.body === undefined) return [];
    const contentType = seen.headers.get("content-type");
    if (!mediaTypes.some((m) => mediaTypeMatches(m, contentType))) {
      return [`content-type ${contentType ?? "(none)"} is not documented (documented: ${mediaTypes.join(", ")})`];
    }
    let value: unknown = seen.body;
    if (isJson(contentType)) {
      try {
        value = JSON.parse(seen.body);
      } catch {
        return [`a ${contentType} body that is not JSON: ${snippet(seen.body)}`];
      }
    }
    const validate = this.validator(pointer);
    if (validate(value)) return [];
    const errors = (validate.errors ?? []).slice(0, 6).map((e) => `${e.instancePath || "(body)"} ${e.message ?? e.keyword}`);
    return [`body does not match ${pointer}: ${errors.join("; ")}; body: ${snippet(seen.body)}`];
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

/** One JSON Pointer token, as a URI fragment carries it. */
function pointerToken(token: string): string {
  return encodeURIComponent(token.replace(/~/g, "~0").replace(/\//g, "~1"));
}

function essence(mediaType: string): string {
  return (mediaType.split(";")[0] ?? "").trim().toLowerCase();
}

function mediaTypeMatches(documented: string, contentType: string | null): boolean {
  if (!contentType) return false;
  const [want, got] = [essence(documented), essence(contentType)];
  if (want === "*/*" || want === got) return true;
  return want.endsWith("/*") && got.startsWith(want.slice(0, -1));
}

function isJson(contentType: string | null): boolean {
  const e = essence(contentType ?? "");
  return e === "application/json" || e.endsWith("+json");
}

function snippet(text: string): string {
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
