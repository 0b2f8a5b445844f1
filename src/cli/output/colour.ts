// Colour only for a person at a terminal: never in a pipe or a CI log file, never when NO_COLOR
// is set (no-color.org), always when FORCE_COLOR asks for it.
import { createColors } from "picocolors";

export type Colours = ReturnType<typeof createColors>;

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

export function colours(enabled: boolean): Colours {
  return createColors(enabled);
}
