import { describe, expect, it } from "vitest";
import { configWins } from "../../src/entries/entry.js";

const id = (e: { id: string }) => e.id;

describe("config file and API entries", () => {
  it("when both name an id, then the file's entry is kept and the API's dropped", () => {
    const file = [{ id: "b", from: "file" }, { id: "a", from: "file" }];
    const api = [{ id: "a", from: "api" }, { id: "c", from: "api" }];
    expect(configWins(file, api, id)).toEqual([{ id: "b", from: "file" }, { id: "a", from: "file" }, { id: "c", from: "api" }]);
  });

  it("when the file names none, then the API's entries are listed as they came", () => {
    expect(configWins([], [{ id: "z" }, { id: "y" }], id)).toEqual([{ id: "z" }, { id: "y" }]);
  });
});
