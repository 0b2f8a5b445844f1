// What one GraphQL document is measured at (depth, aliases, cost) and which limit refuses it.
import { buildSchema, getIntrospectionQuery, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { loadSchema } from "../../src/api/graphql/index.js";
import { checkDocument, DEFAULT_GRAPHQL_LIMITS, measureDocument } from "../../src/api/graphql/limits.js";
import { buildConfig } from "../../src/config.js";
import { RegopsError } from "../../src/errors.js";

const schema = buildSchema(loadSchema());
const limits = DEFAULT_GRAPHQL_LIMITS;
const measure = (q: string) => measureDocument(parse(q), schema, limits)[0]!;

function refusal(q: string): string {
  try {
    checkDocument(parse(q), schema, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(RegopsError);
    expect((err as RegopsError).code).toBe("GRAPHQL_LIMIT");
    expect((err as RegopsError).status).toBe(400);
    return (err as RegopsError).message;
  }
  return "accepted";
}

const aliased = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;

describe("graphql document limits", () => {
  it("when a query asks for plain fields, then each costs 1 and depth counts the nesting", () => {
    expect(measure("{ jobs(limit: 5) { items { id state error { code } } nextCursor } }")).toEqual({ depth: 4, aliases: 0, cost: 7 });
  });

  it("when a query asks for a manifest, then that field costs registryFieldCost", () => {
    expect(measure('{ manifest(ref: "nginx:1.27") { digest } }').cost).toBe(limits.registryFieldCost + 1);
  });

  it("when fragments are spread, then each spread counts what the fragment holds", () => {
    const q = `{ a: manifest(ref: "x") { ...M } b: manifest(ref: "y") { ...M } } fragment M on Manifest { d: digest size }`;
    expect(measure(q)).toEqual({ depth: 2, aliases: 4, cost: 2 * (limits.registryFieldCost + 2) });
  });

  it("when a fragment spreads itself, then the walk ends (validation refuses the cycle later)", () => {
    expect(measure("{ job(id: 1) { ...F } } fragment F on Job { id ...F }")).toEqual({ depth: 2, aliases: 0, cost: 2 });
  });

  it("when 200 aliased manifest fields come, then the aliases limit refuses the document", () => {
    expect(refusal(aliased(200, 'manifest(ref: "nginx:1.27") { digest }'))).toMatch(/aliases 200 is over the limit api\.graphql\.maxAliases \(20\)/);
  });

  it("when 15 aliased manifest fields come (under the alias limit), then the cost limit refuses them", () => {
    expect(refusal(aliased(15, 'manifest(ref: "nginx:1.27") { digest }'))).toMatch(/query cost 765 is over the limit api\.graphql\.maxCost \(500\)/);
  });

  it("when 400 aliased introspection blocks come, then they are refused", () => {
    expect(refusal(aliased(400, "__schema { types { name fields { name } } }"))).toMatch(/api\.graphql\.maxAliases/);
  });

  it("when a document nests deeper than maxDepth, then the depth limit refuses it", () => {
    expect(refusal("{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }")).toMatch(/query depth 11 is over the limit api\.graphql\.maxDepth \(10\)/);
  });

  it("when GraphiQL's introspection query comes, then it is within every limit", () => {
    expect(refusal(getIntrospectionQuery())).toBe("accepted");
  });

  it("when a subscription or a mutation is measured, then its own root type is used", () => {
    expect(measure("subscription { jobUpdated(id: 1) { id state } }")).toEqual({ depth: 2, aliases: 0, cost: 3 });
    expect(measure('mutation { refresh(input: {image: "x"}) { id } }')).toEqual({ depth: 2, aliases: 0, cost: 2 });
  });

  it("when the config sets api.graphql, then its values are used with the defaults for the rest; a bad one is named", () => {
    expect(buildConfig({}, "api: { graphql: { maxDepth: 6 } }").api.graphql).toEqual({ ...DEFAULT_GRAPHQL_LIMITS, maxDepth: 6 });
    expect(buildConfig({}).api.graphql).toEqual(DEFAULT_GRAPHQL_LIMITS);
    expect(() => buildConfig({}, "api: { graphql: { maxAliases: -1 } }")).toThrow(/api\.graphql\.maxAliases/);
  });
});
