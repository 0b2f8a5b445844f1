// ryuk.js — a drop-in stand-in for the testcontainers/ryuk image (protocol of
// moby-ryuk 0.x), written with Node core modules only, so that an image can be
// made from the host's own `node` binary (no Docker Hub).
//
// Protocol: TCP :8080. A client sends lines such as
//   label=org.testcontainers.session-id=<uuid>\r\n
// (several filters may be joined with '&', URL-query style); each line is
// answered with "ACK\n". When every client has disconnected and none comes back
// within RYUK_RECONNECTION_TIMEOUT (default 10s) — or if nobody connects within
// RYUK_CONNECTION_TIMEOUT (default 60s) — every container, network, volume and
// image that matches one of the filter sets is removed, and the process exits.
// The docker socket must be bind-mounted at /var/run/docker.sock (Testcontainers
// does that itself).
//
// Copied from shared/recipes/scripts/ryuk.js. Used by `RYUK=node scripts/test`.
// Build: `scripts/lib/build-local-images.sh ryuk` -> local/ryuk:node, which carries
// LABEL org.testcontainers.ryuk=true (testcontainers 11.x finds a running reaper only by
// that label; without it every vitest worker starts its own). Use it with
// RYUK_CONTAINER_IMAGE=local/ryuk:node, or tag it testcontainers/ryuk:0.14.0.
"use strict";
const net = require("node:net");
const http = require("node:http");
const os = require("node:os");

const SOCKET = process.env.RYUK_DOCKER_SOCKET || "/var/run/docker.sock";
const PORT = Number(process.env.RYUK_PORT || 8080);
const secs = (v, d) => (v ? Number(String(v).replace(/s$/, "")) : d) * 1000;
const CONNECTION_TIMEOUT = secs(process.env.RYUK_CONNECTION_TIMEOUT, 60);
const RECONNECTION_TIMEOUT = secs(process.env.RYUK_RECONNECTION_TIMEOUT, 10);
const VERBOSE = process.env.RYUK_VERBOSE === "true";
const self = os.hostname(); // = short container id

const log = (...a) => console.log(new Date().toISOString(), ...a);
const filters = new Map(); // canonical string -> { label: [...] , ... }
let active = 0;
let everConnected = false;
let timer = null;

function api(method, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: SOCKET, method, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        if (res.statusCode >= 400 && res.statusCode !== 404 && res.statusCode !== 409) {
          return reject(new Error(`${method} ${path}: ${res.statusCode} ${body.trim()}`));
        }
        try { resolve(body ? JSON.parse(body) : null); } catch { resolve(body); }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function parseFilterLine(line) {
  const f = {};
  for (const [k, v] of new URLSearchParams(line)) (f[k] ||= []).push(v);
  return f;
}

async function prune() {
  let removed = { containers: 0, networks: 0, volumes: 0, images: 0 };
  for (const f of filters.values()) {
    const q = encodeURIComponent(JSON.stringify(f));
    const cs = (await api("GET", `/containers/json?all=1&filters=${q}`)) || [];
    for (const c of cs) {
      if (c.Id.startsWith(self)) continue; // never kill ourselves mid-prune
      await api("DELETE", `/containers/${c.Id}?force=1&v=1`).catch((e) => log("warn", e.message));
      removed.containers++;
    }
    const ns = (await api("GET", `/networks?filters=${q}`)) || [];
    for (const n of ns) {
      await api("DELETE", `/networks/${n.Id}`).catch((e) => log("warn", e.message));
      removed.networks++;
    }
    const vs = ((await api("GET", `/volumes?filters=${q}`)) || {}).Volumes || [];
    for (const v of vs) {
      await api("DELETE", `/volumes/${encodeURIComponent(v.Name)}?force=1`).catch((e) => log("warn", e.message));
      removed.volumes++;
    }
    const is = (await api("GET", `/images/json?filters=${q}`)) || [];
    for (const i of is) {
      await api("DELETE", `/images/${i.Id}?force=1&noprune=0`).catch((e) => log("warn", e.message));
      removed.images++;
    }
  }
  log("Removed", JSON.stringify(removed));
}

async function shutdown(reason) {
  log("Timed out:", reason, "- pruning", filters.size, "filter set(s)");
  try { await prune(); } catch (e) { log("prune error", e.message); }
  process.exit(0);
}

function arm(ms, reason) {
  clearTimeout(timer);
  timer = setTimeout(() => shutdown(reason), ms);
}

const server = net.createServer((sock) => {
  active++;
  everConnected = true;
  clearTimeout(timer);
  if (VERBOSE) log("client connected", sock.remoteAddress, "active", active);
  let buf = "";
  sock.setEncoding("utf8");
  sock.on("data", (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, "").trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      const f = parseFilterLine(line);
      const key = JSON.stringify(Object.keys(f).sort().map((k) => [k, [...f[k]].sort()]));
      if (!filters.has(key)) {
        filters.set(key, f);
        log("Adding filter", line);
      }
      sock.write("ACK\n");
    }
  });
  const gone = () => {
    if (sock._gone) return;
    sock._gone = true;
    active--;
    if (VERBOSE) log("client disconnected, active", active);
    if (active === 0) arm(RECONNECTION_TIMEOUT, "no client reconnected");
  };
  sock.on("close", gone);
  sock.on("error", gone);
});

server.listen(PORT, "0.0.0.0", () => {
  log(`Started (ryuk.js, node ${process.version}) on :${PORT}`);
  arm(CONNECTION_TIMEOUT, "no client connected");
});
for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => shutdown(s));
void everConnected;
