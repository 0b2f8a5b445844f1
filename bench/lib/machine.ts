// The head of every bench report: when, on what machine, against which versions. Numbers from
// two machines are not comparable, so each JSON report says where it was measured.
import { availableParallelism, cpus } from "node:os";

export function machineOf(started: Date, versions: Record<string, string>) {
  return {
    date: started.toISOString(),
    node: versions.node,
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? null,
    versions,
  };
}
