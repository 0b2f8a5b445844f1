// GraphQL hides an unexpected error as REST does: INTERNAL, "internal error", no detail for the
// caller; the original goes to the log. RegopsErrors and GraphQL's own errors keep their words.
import { GraphQLError } from "graphql";
import mercurius from "mercurius";
import { describe, expect, it } from "vitest";
import { formatGraphqlErrors } from "../../src/api/graphql/error-format.js";
import { graphqlError } from "../../src/api/graphql/resolvers.js";
import { RegopsError } from "../../src/errors.js";
import { judge } from "../fuzz/verdict.js";

type WithProps = Error & { extensions?: Record<string, unknown>; cause?: unknown };

describe("graphqlError", () => {
  it("when an unexpected error is thrown, then the caller sees INTERNAL without its message, and the log gets the original", () => {
    const secret = new Error("connect ECONNREFUSED 10.0.0.7:6379 (user=admin)");
    const hidden = graphqlError(secret) as WithProps;
    expect(hidden.message).toBe("internal error");
    expect(hidden.extensions).toEqual({ code: "INTERNAL", hint: expect.stringContaining("service log"), status: 500 });
    expect(hidden.cause).toBe(secret);

    const logged: unknown[] = [];
    const log = { info: () => undefined, error: (obj: unknown, msg: string) => logged.push([obj, msg]) };
    const execution = { data: { job: null }, errors: [new GraphQLError(hidden.message, { originalError: hidden, path: ["job"] })] };
    const formatted = formatGraphqlErrors(execution as never, { reply: { log, request: { headers: {} } } } as never);
    expect(JSON.stringify(formatted.response)).not.toContain("ECONNREFUSED");
    expect(logged).toEqual([[{ err: secret }, "unhandled error"]]);
  });

  it("when a RegopsError is thrown, then its code, message and hint are kept", () => {
    const e = graphqlError(new RegopsError("NAME_UNKNOWN", "repository r/x not found")) as WithProps;
    expect([e.message, e.extensions?.code, e.extensions?.status]).toEqual(["repository r/x not found", "NAME_UNKNOWN", 404]);
  });

  it("when GraphQL's own error (a syntax error) or an error with props is thrown, then it passes as it is", () => {
    const syntax = new GraphQLError("Syntax Error: Expected Name, found <EOF>.");
    expect(graphqlError(syntax)).toBe(syntax);
    const props = new mercurius.ErrorWithProps("too deep", { code: "GRAPHQL_LIMIT" });
    expect(graphqlError(props)).toBe(props);
  });
});

describe("the fuzzer's verdict on GraphQL answers", () => {
  it("when a resolver's error comes back as INTERNAL, then the fuzzer still counts it as an internal error", () => {
    const answer = (code: string) => ({
      status: 200,
      contentType: "application/json",
      stream: false,
      body: JSON.stringify({ data: { job: null }, errors: [{ message: "m", path: ["job"], extensions: { code } }] }),
    });
    const req = { label: "graphql post-json", method: "POST", path: "/graphql" } as never;
    expect(judge(req, answer("INTERNAL"))).toMatchObject({ ok: false, class: "graphql-internal" });
    expect(judge(req, answer("NOT_FOUND"))).toEqual({ ok: true });
  });
});
