// Group commit: the writes asked for while the event loop polls sockets go to Redis together,
// in one call, after that poll (setImmediate), each caller getting its own result. Registries
// send deliveries in bursts; one Redis call per burst instead of one per delivery is most of
// what a delivery costs besides HTTP. Written here rather than taken from DataLoader, which
// is built around keyed, cached loads: this is an ordered write queue with per-item results.
export class GroupCommit<Item, Result> {
  private pending: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  /** `commit` gets the items in arrival order and returns one result per item, in order. */
  constructor(
    private readonly commit: (items: Item[]) => Promise<Result[]>,
    private readonly maxBatch: number,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    this.commit(batch.map((p) => p.item)).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}
