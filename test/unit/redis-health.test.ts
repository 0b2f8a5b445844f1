// CLUSTER NODES as /readyz reads it: which node is down, as the cluster itself sees it.
import { describe, expect, it } from "vitest";
import { parseClusterNodes } from "../../src/redis/health.js";

describe("parseClusterNodes", () => {
  it("when a master failed and a replica is suspected, then each is named with its role and why", () => {
    const text = [
      "731e 127.0.0.1:41489@44033 slave 9e91 0 1796531314391 5 connected 0-5460",
      "5257 127.0.0.1:37991@45397 master - 0 1796531314391 3 connected 10923-16383",
      "9e91 127.0.0.1:44741@40439 master,fail - 1796531295097 1796531294086 1 disconnected",
      "265e 127.0.0.1:41973@43365 slave,fail? 5257 0 1796531314178 3 connected",
      "9276 127.0.0.1:46179@33107 myself,master - 0 1796531314000 2 connected 5461-10922",
      "0eeb 127.0.0.1:45249@45633 slave 9276 0 1796531314078 2 disconnected",
      "",
    ].join("\n");
    expect(parseClusterNodes(text)).toEqual([
      { address: "127.0.0.1:41489", role: "replica", ok: true },
      { address: "127.0.0.1:37991", role: "master", ok: true },
      { address: "127.0.0.1:44741", role: "master", ok: false, reason: "failed (the cluster agrees)" },
      { address: "127.0.0.1:41973", role: "replica", ok: false, reason: "not answering (suspected by a node)" },
      { address: "127.0.0.1:46179", role: "master", ok: true },
      { address: "127.0.0.1:45249", role: "replica", ok: false, reason: "link disconnected" },
    ]);
  });
});
