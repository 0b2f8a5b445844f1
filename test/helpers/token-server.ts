// A Docker token service (the distribution "token" auth spec) for tests: the registry is set
// up with `auth: token` and trusts this service's certificate, clients get a 401 Bearer
// challenge and fetch a JWT here, exactly as with Docker Hub or Harbor. Basic credentials are
// checked; scopes are granted as asked.
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomBytes, sign, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM of the certificate the registry must trust (rootcertbundle). */
  certPem: string;
  /** How many tokens were issued (to see the client used the token flow). */
  issued: () => number;
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export async function startTokenServer(creds: { username: string; password: string; identityToken?: string }): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), "regops-token-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=regops-test-token",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  const key = createPrivateKey(readFileSync(join(dir, "key.pem")));
  const certPem = readFileSync(join(dir, "cert.pem"), "utf8");
  const certDer = new X509Certificate(certPem).raw;
  const service = "regops-test-registry";
  const issuer = "regops-test-issuer";
  let issued = 0;

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => answer(req, res, body));
  });
  // GET with basic credentials, or (OAuth2, what `docker login` identity tokens use) a form POST
  // with grant_type=refresh_token.
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", "http://x");
    const form = new URLSearchParams(body);
    const expected = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    const byRefreshToken =
      req.method === "POST" && form.get("grant_type") === "refresh_token" && !!creds.identityToken && form.get("refresh_token") === creds.identityToken;
    if (req.headers.authorization !== expected && !byRefreshToken) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "bad credentials" }));
      return;
    }
    const scopes = req.method === "POST" ? (form.get("scope") ?? "").split(" ").filter(Boolean) : url.searchParams.getAll("scope");
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = [scope.split(":")[0], scope.split(":").slice(1, -1).join(":"), scope.split(":").at(-1)];
      return type && name && actions ? [{ type, name, actions: actions.split(",") }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", x5c: [certDer.toString("base64")] };
    const claims = { iss: issuer, sub: creds.username, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${input}.${b64url(sign("sha256", Buffer.from(input), key))}`;
    issued++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  };
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPem,
    issued: () => issued,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
