import { describe, expect, it } from "vitest";
import { PullProgressTracker } from "../../src/docker/pull.js";

describe("pull progress", () => {
  it("when the daemon reports layers, then bytes and finished layers add up", () => {
    const t = new PullProgressTracker();
    t.update({ status: "Pulling from team/app", id: "v1" });
    t.update({ status: "Pulling fs layer", id: "aaaaaaaaaaaa" });
    t.update({ status: "Already exists", id: "bbbbbbbbbbbb" });
    t.update({ status: "Downloading", id: "aaaaaaaaaaaa", progressDetail: { current: 500, total: 1000 } });
    expect(t.snapshot()).toEqual({ layers: 2, layersDone: 1, bytesTotal: 1000, bytesDone: 500, active: [{ id: "aaaaaaaaaaaa", bytesDone: 500, bytesTotal: 1000 }] });
    t.update({ status: "Download complete", id: "aaaaaaaaaaaa" });
    t.update({ status: "Pull complete", id: "aaaaaaaaaaaa" });
    expect(t.snapshot()).toEqual({ layers: 2, layersDone: 2, bytesTotal: 1000, bytesDone: 1000 });
  });
});
