// Webhook bodies as registries send them, for tests that need a fresh one per case (the
// corpus' webhooks/, read in place through test/helpers/corpus.ts, has the real, fixed ones).

/** A Harbor 2.x PUSH_ARTIFACT delivery for `repository` ("project/name"), `tag` and `digest`. */
export function harborPush(repository: string, tag: string, digest: string): string {
  return JSON.stringify({
    type: "PUSH_ARTIFACT",
    occur_at: Math.floor(Date.now() / 1000),
    operator: "admin",
    event_data: {
      resources: [{ digest, tag, resource_url: `harbor.example.com/${repository}:${tag}` }],
      repository: { name: repository.split("/")[1], namespace: repository.split("/")[0], repo_full_name: repository, repo_type: "private" },
    },
  });
}
