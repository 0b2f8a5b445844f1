// Credentials written in the config file (through `env:NAME` for the secret).
import type { CredentialSource, RegistryCredentials } from "./source.js";

export function staticCredentials(username: string, password: string): CredentialSource {
  const creds: RegistryCredentials = { username, password };
  return {
    type: "basic",
    // A copy each time: a caller that edits what it got cannot change what the next one gets.
    get: async () => ({ ...creds }),
  };
}
