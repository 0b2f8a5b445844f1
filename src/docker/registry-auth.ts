// The credentials a Docker engine gets when it pulls or pushes for regops: the X-Registry-Auth
// header, in the form the docker CLI sends it (an identity token goes as `identitytoken`,
// which the engine exchanges at the registry's token service itself).
import type Docker from "dockerode";
import type { Credentials } from "../registry/auth.js";

/** The server address the docker CLI sends for a registry domain (Docker Hub has its own). */
export function serverAddress(domain: string): string {
  return domain === "docker.io" ? "https://index.docker.io/v1/" : domain;
}

/** X-Registry-Auth for a registry; `{}` without credentials (a push wants the header anyway). */
export function daemonAuth(credentials: Credentials | undefined, server: string): Docker.AuthConfig {
  if (!credentials) return { key: Buffer.from("{}").toString("base64") };
  if (credentials.identityToken) return { identitytoken: credentials.identityToken, serveraddress: server };
  return { username: credentials.username, password: credentials.password, serveraddress: server };
}
