// Each request's logger (request.log, reply.log), made only when the request logs something.
// Fastify makes a pino child per request, and with redaction configured a child costs about as
// much as routing the request: the redactor runs over its bindings. A route that logs at
// "warn" (webhooks: registries send them in bursts, and each is in the delivery log) mostly
// logs nothing, so it should not pay for one.
import type { FastifyBaseLogger, FastifyServerOptions } from "fastify";
import { levels, type Bindings, type ChildLoggerOptions, type Level } from "pino";

type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];
type ChildLoggerFactory = NonNullable<FastifyServerOptions["childLoggerFactory"]>;

class RequestLogger {
  private made?: FastifyBaseLogger;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  /** The pino child, made on first use. */
  private get logger(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.opts);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.opts.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  // What pino's own level check is, without making the child: a disabled level is a no-op.
  // (The service's logger has pino's standard levels.)
  isLevelEnabled(level: string): boolean {
    const values = levels.values;
    const threshold = values[this.level];
    return threshold !== undefined && (values[level] ?? -Infinity) >= threshold;
  }

  fatal(...args: LogArgs): void {
    this.write("fatal", args);
  }
  error(...args: LogArgs): void {
    this.write("error", args);
  }
  warn(...args: LogArgs): void {
    this.write("warn", args);
  }
  info(...args: LogArgs): void {
    this.write("info", args);
  }
  debug(...args: LogArgs): void {
    this.write("debug", args);
  }
  trace(...args: LogArgs): void {
    this.write("trace", args);
  }
  silent(): void {}

  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, opts);
  }

  private write(level: Level, args: LogArgs): void {
    if (!this.isLevelEnabled(level)) return;
    (this.logger[level] as (...a: LogArgs) => void)(...args);
  }
}

/** For Fastify's childLoggerFactory option. */
export const lazyRequestLogger: ChildLoggerFactory = (logger, bindings, opts) =>
  new RequestLogger(logger, bindings, opts) as unknown as FastifyBaseLogger;
