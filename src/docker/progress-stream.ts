// The engine's JSON progress stream (pull, push): every line goes to `onEvent`, an `error`
// line or an aborted signal rejects. One place, so pull and push end and abort the same way.
import type Docker from "dockerode";

interface EngineEvent {
  error?: string;
  errorDetail?: { message?: string };
}

export function followEngineStream<E extends EngineEvent>(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  what: string,
  onEvent: (ev: E) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error(`${what} aborted`), { name: "AbortError" }));
    signal?.addEventListener("abort", onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        signal?.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve();
      },
      (ev: E) => {
        if (ev.error) {
          // the engine's words; pull and push turn them into a typed error (dockerError)
          reject(new Error(ev.errorDetail?.message ?? ev.error));
          return;
        }
        onEvent(ev);
      },
    );
  });
}
