import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Remote } from "../../src/registry/remote.js";
import { listTags, nextPagePath } from "../../src/registry/tags.js";

const BASE = "https://registry.example.com:5000";

describe("tag list pagination (Link header)", () => {
  it("when the registry links the next page relative to itself, then that path is followed", () => {
    expect(nextPagePath('</v2/team/app/tags/list?last=v9&n=100>; rel="next"', BASE)).toBe("/v2/team/app/tags/list?last=v9&n=100");
  });

  it("when the link is absolute on the same registry, then its path is followed", () => {
    expect(nextPagePath(`<${BASE}/v2/team/app/tags/list?n=2&last=b>; rel=next`, BASE)).toBe("/v2/team/app/tags/list?n=2&last=b");
  });

  it("when there are several links, then the one with rel next is taken", () => {
    const header = '</v2/a/tags/list?n=1>; rel="first", </v2/a/tags/list?last=x,y&n=1>; title="a, b"; rel="next"';
    expect(nextPagePath(header, BASE)).toBe("/v2/a/tags/list?last=x,y&n=1");
  });

  it("when rel lists several relations, then next among them counts", () => {
    expect(nextPagePath('</v2/a/tags/list?last=x>; rel="next last"', BASE)).toBe("/v2/a/tags/list?last=x");
  });

  it.each([
    [undefined, "no header"],
    ["", "an empty header"],
    ['</v2/a/tags/list?last=x>; rel="prev"', "no next link"],
    ['<https://evil.example.com/v2/a/tags/list?last=x>; rel="next"', "another host (credentials would go there)"],
    ['<http://registry.example.com:5000/v2/a/tags/list>; rel="next"', "another scheme"],
    ['</other/path>; rel="next"', "a path outside /v2/"],
    ['garbage; rel="next"', "no <url>"],
  ])("when the header is %j, then there is no next page (%s)", (header, _why) => {
    expect(nextPagePath(header, BASE)).toBeUndefined();
  });
});

describe("listTags", () => {
  // Only what listTags uses of a Remote: its URL and send().
  function pagedRemote(pages: Record<string, { tags: unknown; link?: string }>) {
    const asked: string[] = [];
    const remote = {
      config: { url: BASE },
      async send(opts: { method: string; path: string }) {
        asked.push(`${opts.method} ${opts.path}`);
        const page = pages[opts.path];
        if (!page) throw new Error(`unexpected ${opts.path}`);
        return { headers: page.link ? { link: page.link } : {}, body: Readable.from([Buffer.from(JSON.stringify({ name: "team/app", tags: page.tags }))]) };
      },
    };
    return { remote: remote as unknown as Remote, asked };
  }

  it("when the registry answers in pages, then every page is read in order", async () => {
    const { remote, asked } = pagedRemote({
      "/v2/team/app/tags/list?n=2": { tags: ["a", "b"], link: '</v2/team/app/tags/list?last=b&n=2>; rel="next"' },
      "/v2/team/app/tags/list?last=b&n=2": { tags: ["c", "d"], link: `<${BASE}/v2/team/app/tags/list?last=d&n=2>; rel="next"` },
      "/v2/team/app/tags/list?last=d&n=2": { tags: ["e"] },
    });
    expect(await listTags(remote, { domain: "registry.example.com:5000", path: "team/app" }, { pageSize: 2 })).toEqual(["a", "b", "c", "d", "e"]);
    expect(asked).toHaveLength(3);
  });

  it("when a page links back to one already read, then listing stops instead of looping", async () => {
    const { remote, asked } = pagedRemote({
      "/v2/team/app/tags/list?n=2": { tags: ["a"], link: '</v2/team/app/tags/list?last=a&n=2>; rel="next"' },
      "/v2/team/app/tags/list?last=a&n=2": { tags: ["b"], link: '</v2/team/app/tags/list?n=2>; rel="next"' },
    });
    expect(await listTags(remote, { domain: "r", path: "team/app" }, { pageSize: 2 })).toEqual(["a", "b"]);
    expect(asked).toHaveLength(2);
  });

  it("when the repository is empty, then the list is empty (tags: null)", async () => {
    const { remote } = pagedRemote({ "/v2/team/app/tags/list?n=1000": { tags: null } });
    expect(await listTags(remote, { domain: "r", path: "team/app" })).toEqual([]);
  });

  it("when the body has no tags array, then the registry is named as the problem", async () => {
    const { remote } = pagedRemote({ "/v2/team/app/tags/list?n=1000": { tags: "nope" } });
    await expect(listTags(remote, { domain: "r", path: "team/app" })).rejects.toMatchObject({ code: "REGISTRY_REJECTED" });
  });
});
