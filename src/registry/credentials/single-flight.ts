// One call in flight, shared by everyone who asks while it runs: forty jobs starting at once
// against a registry whose token just expired make one AWS call (or spawn one helper), not forty.
// Each caller may give up on its own signal; the shared call is aborted only when every caller
// waiting on it has given up, so one cancelled job does not fail the others.

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class SingleFlight<T> {
  private flight?: Flight<T>;

  run(work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const flight = this.flight ?? this.start(work);
    flight.waiters++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        leave();
        reject(signal?.reason);
        if (flight.waiters === 0) {
          // Nobody wants the answer any more: stop the work, and let the next caller start afresh.
          if (this.flight === flight) this.flight = undefined;
          flight.controller.abort(signal?.reason);
        }
      };
      const leave = (): void => {
        signal?.removeEventListener("abort", onAbort);
        flight.waiters--;
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        (value) => {
          if (signal?.aborted) return;
          leave();
          resolve(value);
        },
        (err: unknown) => {
          if (signal?.aborted) return;
          leave();
          reject(err);
        },
      );
    });
  }

  private start(work: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    const flight: Flight<T> = { controller, waiters: 0, promise: Promise.resolve() as Promise<T> };
    flight.promise = (async () => {
      try {
        return await work(controller.signal);
      } finally {
        if (this.flight === flight) this.flight = undefined;
      }
    })();
    this.flight = flight;
    return flight;
  }
}
