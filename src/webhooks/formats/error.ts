// A body that is JSON but not the shape its sender's format promises. It is a RegopsError
// BAD_REQUEST naming the field, so the route's error handler answers 400 problem+json with
// `errors: [{field, message}]` and nothing is enqueued.
import { RegopsError } from "../../errors.js";

export class WebhookFormatError extends RegopsError {
  /** JSON path of the offending field, e.g. "event_data.resources[0].tag". */
  readonly field: string;

  constructor(field: string, message: string) {
    super("BAD_REQUEST", `${field}: ${message}`, {
      fields: [{ field, message }],
      hint: "the body does not match the webhook format of this registry's kind; check the registry's `kind` and the sender's webhook settings",
    });
    this.name = "WebhookFormatError";
    this.field = field;
  }
}
