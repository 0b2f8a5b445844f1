// The push progress tracker, fed with the lines a Docker engine (20.10) sent for real pushes of
// a one-layer image to a distribution registry: a first push, a push of a layer the registry
// already has, a push that mounts the layer from another repository, and a wrong password.
// The retry line follows the engine's format ("Retrying in %d seconds"); it was not captured.
import { describe, expect, it } from "vitest";
import { PushProgressTracker, type PushEvent } from "../../src/docker/push.js";

const DIGEST = "sha256:2719f17d3be2dde7f650a033c10214955df3efc6a837f5c39af14c092524c825";
const head: PushEvent[] = [
  { status: "The push refers to repository [127.0.0.1:32768/cap/one]" },
  { status: "Preparing", progressDetail: {}, id: "9f8877166827" },
];
const tail: PushEvent[] = [
  { status: `v1: digest: ${DIGEST} size: 527` },
  { progressDetail: {}, aux: { Tag: "v1", Digest: DIGEST, Size: 527 } },
];

const feed = (events: PushEvent[]) => {
  const t = new PushProgressTracker();
  const seen = events.map((ev) => t.update(ev));
  return { t, seen };
};

describe("push progress", () => {
  it("when a layer is uploaded, then bytes grow to its size (never past it) and the aux line gives the digest", () => {
    const { t, seen } = feed([
      ...head,
      { status: "Pushing", progressDetail: { current: 38400, total: 2202132 }, id: "9f8877166827" },
      { status: "Pushing", progressDetail: { current: 2167296, total: 2202132 }, id: "9f8877166827" },
      { status: "Pushing", progressDetail: { current: 2222080, total: 2202132 }, id: "9f8877166827" },
      { status: "Pushed", progressDetail: {}, id: "9f8877166827" },
      ...tail,
    ]);
    expect(seen[1]).toMatchObject({ layers: 1, layersDone: 0, bytesDone: 0 });
    expect(seen[2]).toMatchObject({ layers: 1, layersDone: 0, bytesTotal: 2202132, bytesDone: 38400 });
    expect(seen[4]!.bytesDone).toBe(2202132); // the engine's count passed the total: capped
    expect(t.snapshot()).toEqual({
      layers: 1,
      layersDone: 1,
      bytesTotal: 2202132,
      bytesDone: 2202132,
      layersPushed: 1,
      layersMounted: 0,
      layersExisting: 0,
    });
    expect(t.result()).toEqual({ digest: DIGEST, size: 527 });
  });

  it("when the registry has the layer, or mounts it from another repository, then it is done with no bytes", () => {
    const again = feed([...head, { status: "Layer already exists", progressDetail: {}, id: "9f8877166827" }, ...tail]).t;
    expect(again.snapshot()).toMatchObject({ layers: 1, layersDone: 1, bytesTotal: 0, layersExisting: 1, layersPushed: 0 });
    expect(again.result()?.digest).toBe(DIGEST);
    const mounted = feed([...head, { status: "Mounted from cap/one", progressDetail: {}, id: "9f8877166827" }, ...tail]).t;
    expect(mounted.snapshot()).toMatchObject({ layers: 1, layersDone: 1, layersMounted: 1 });
  });

  it("when an upload is retried, then its bytes start over", () => {
    const { t } = feed([
      ...head,
      { status: "Pushing", progressDetail: { current: 1000, total: 4000 }, id: "9f8877166827" },
      { status: "Retrying in 5 seconds", progressDetail: {}, id: "9f8877166827" },
    ]);
    expect(t.snapshot()).toMatchObject({ layersDone: 0, bytesTotal: 4000, bytesDone: 0 });
  });

  it("when the push fails before the manifest is written, then there is no digest", () => {
    const { t } = feed([
      ...head,
      { errorDetail: { message: "unauthorized: authentication required" }, error: "unauthorized: authentication required" },
    ]);
    expect(t.result()).toBeUndefined();
    expect(t.snapshot()).toMatchObject({ layers: 1, layersDone: 0 });
  });
});
