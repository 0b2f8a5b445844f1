// REST requests generated from openapi.yaml, read at run time: every path and method, its path,
// query and header parameters and its JSON body, each either following the schema or broken in
// one spot, plus a few undocumented routes and methods.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parse } from "yaml";
import { authForm, contentType, extraHeaders, identity, pct, queryStyle, rawBody, renderQuery, type QueryPart } from "./common.js";
import { hostileString } from "./hostile.js";
import { SchemaArbitraries, type Schema, type StringPools } from "./json-schema.js";
import type { FuzzRequest, Identity } from "./request.js";

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
}

const METHODS = ["get", "post", "put", "patch", "delete"];

export function readOperations(openapiPath: string): { operations: Operation[]; components: Record<string, Schema> } {
  const doc = parse(readFileSync(openapiPath, "utf8")) as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, Schema> } };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []) as Parameter[],
        body: op.requestBody?.content?.["application/json"]?.schema as Schema | undefined,
      });
    }
  }
  return { operations, components: doc.components.schemas };
}

/** A path parameter: from its schema, an id the service gave out earlier, or hostile. */
function pathValue(schemas: SchemaArbitraries, p: Parameter, ids: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: schemas.valid(p.schema, 0, p.name).map((v) => pct(String(v))) },
    { weight: 3, arbitrary: fc.nat({ max: 1000 }).map((n) => `{{pool:${n}}}`) },
    { weight: 1, arbitrary: ids.map((v) => pct(v)) },
    { weight: 2, arbitrary: hostileString.map((v) => pct(v)) },
    { weight: 1, arbitrary: fc.constantFrom("..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%00", "%ZZ", "%", "a%2Fb", "%ED%A0%80", "") },
  );
}

function queryParts(schemas: SchemaArbitraries, params: Parameter[]): fc.Arbitrary<QueryPart[]> {
  const known = params.map((p) =>
    fc.option(
      fc.record({
        name: fc.constant(p.name),
        value: fc.oneof(
          { weight: 5, arbitrary: schemas.valid(p.schema, 0, p.name).map((v) => String(v)) },
          { weight: 2, arbitrary: schemas.mutated(p.schema).map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? "")) },
          { weight: 2, arbitrary: hostileString },
        ),
        style: queryStyle,
        encoding: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.nat({ max: 5 }) }),
      }),
      { freq: 3 },
    ),
  );
  const extra = fc.array(fc.record({ name: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("__proto__", "constructor", "secret", "query")), value: hostileString, style: queryStyle, encoding: fc.nat({ max: 5 }) }), { maxLength: 2 });
  return fc.tuple(fc.tuple(...known), extra).map(([k, e]) => [...k.filter((x): x is QueryPart => x !== null), ...e]);
}

function operationArb(schemas: SchemaArbitraries, op: Operation, ids: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === "path");
  const path = fc.tuple(...pathParams.map((p) => pathValue(schemas, p, ids))).map((values) => {
    let out = op.path;
    pathParams.forEach((p, i) => (out = out.replace(`{${p.name}}`, values[i]!)));
    return out;
  });
  const body: fc.Arbitrary<string | Uint8Array | undefined> = op.body
    ? fc.oneof(
        { weight: 4, arbitrary: schemas.valid(op.body).map((v) => JSON.stringify(v)) },
        { weight: 4, arbitrary: schemas.mutated(op.body).map((v) => JSON.stringify(v) ?? "") },
        { weight: 2, arbitrary: rawBody },
      )
    : fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: rawBody });
  const messy = fc
    .record({
      path,
      query: queryParts(schemas, op.parameters.filter((p) => p.in === "query")),
      identity,
      authForm,
      contentType,
      extra: extraHeaders,
      body,
    })
    .map((r) => {
      const headers: Record<string, string> = { ...r.extra };
      if (r.body !== undefined && r.contentType !== undefined) headers["content-type"] = r.contentType;
      return { label: `rest ${op.method} ${op.path}`, method: op.method, path: r.path + renderQuery(r.query), identity: r.identity, authForm: r.authForm, headers, body: r.body };
    });
  // Well-formed in every part but the values: a key with scope, JSON, known parameters only. Without
  // these, nearly every request stops at the first broken part and the code behind it is never run.
  const validPath = fc.tuple(...pathParams.map((p) => fc.oneof(schemas.valid(p.schema, 0, p.name).map((v) => pct(String(v))), fc.nat({ max: 1000 }).map((n) => `{{pool:${n}}}`)))).map((values) => {
    let out = op.path;
    pathParams.forEach((p, i) => (out = out.replace(`{${p.name}}`, values[i]!)));
    return out;
  });
  const queryParams = op.parameters.filter((p) => p.in === "query");
  const validQuery = fc.tuple(...queryParams.map((p) => fc.option(schemas.valid(p.schema, 0, p.name).map((v): QueryPart => ({ name: p.name, value: String(v), style: "plain", encoding: 0 })), { freq: 2 })));
  const clean = fc
    .record({
      path: validPath,
      query: validQuery,
      identity: fc.constantFrom<Identity>("read", "write", "admin", "admin"),
      body: op.body ? schemas.valid(op.body).map((v) => JSON.stringify(v)) : fc.constant(undefined),
      idempotencyKey: fc.option(fc.uuid(), { freq: 3 }),
    })
    .map((r): FuzzRequest => {
      const headers: Record<string, string> = {};
      if (r.body !== undefined) headers["content-type"] = "application/json";
      if (r.idempotencyKey) headers["idempotency-key"] = r.idempotencyKey;
      const query = r.query.filter((q): q is QueryPart => q !== null);
      return { label: `rest ${op.method} ${op.path}`, method: op.method, path: r.path + renderQuery(query), identity: r.identity, authForm: "bearer", headers, body: r.body };
    });
  return fc.oneof({ weight: 1, arbitrary: clean }, { weight: 1, arbitrary: messy });
}

/** Routes the OpenAPI document leaves out (health, metrics, docs) and methods it does not list. */
function offDocument(): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"),
      path: fc.oneof(
        fc.constantFrom("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/json", "/", "/v1", "/v1/", "/v2/", "/v1/jobs/", "/v1//jobs", "/V1/JOBS", "/v1/jobs;x", "/v1/jobs%2F", "/graphiql"),
        fc.string({ maxLength: 12 }).map((s) => `/v1/${pct(s)}`),
      ),
      identity,
      authForm,
      body: fc.option(rawBody, { freq: 4 }),
      contentType,
    })
    .map((r): FuzzRequest => ({
      label: `rest ${r.method} (off-document)`,
      method: r.method,
      path: r.path,
      identity: r.identity,
      authForm: r.authForm,
      headers: r.body !== null && r.contentType !== undefined && r.method !== "HEAD" ? { "content-type": r.contentType } : {},
      body: r.body === null || r.method === "HEAD" ? undefined : r.body,
    }));
}

export function restRequests(openapiPath: string, pools: StringPools, ids: fc.Arbitrary<string>): { arbitrary: fc.Arbitrary<FuzzRequest>; operations: number } {
  const { operations, components } = readOperations(openapiPath);
  const schemas = new SchemaArbitraries(components, pools);
  const arbs = operations.map((op) => ({
    // Docker's disk usage (`system df -v`) is heavy for a shared daemon: asked less often.
    weight: op.path.endsWith("/df") ? 1 : 4,
    arbitrary: operationArb(schemas, op, ids),
  }));
  return { arbitrary: fc.oneof(...arbs, { weight: 6, arbitrary: offDocument() }), operations: operations.length };
}
