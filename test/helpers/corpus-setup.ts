// vitest globalSetup: a run without the upstream corpus says so once (not once per test file);
// under CI=true importing the helper throws, which fails the run before any test starts.
import { absentCorpusLine, corpus } from "./corpus.js";

export default function setup(): void {
  // eslint-disable-next-line no-console
  if (!corpus) console.log(absentCorpusLine());
}
