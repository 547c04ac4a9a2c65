// The one error hierarchy of the toolkit. Two branches matter to a caller:
//   InputError        what was asked cannot be done as stated (bad expression, spec,
//                     option, kernel input, refused expectation); the CLI exits 2.
//   IntegrationError  a run stopped before its end (divergence, step limit, blow-up);
//                     `.partial` keeps what was computed; the CLI exits 2 and saves it.
// Anything else that escapes is a bug (the CLI exits 1).

/** Root of every error the toolkit throws on purpose. */
export class GandynError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request that cannot be carried out as stated; the message names what is wrong. */
export class InputError extends GandynError {}

/** An argument outside what a function accepts (a value, a length, a shape). */
export class ArgumentError extends InputError {}

/** A run that stopped before reaching its end; `.partial` holds what was recorded so far. */
export class IntegrationError<Partial = unknown> extends GandynError {
  readonly partial: Partial;
  constructor(message: string, partial: Partial) {
    super(message);
    this.partial = partial;
  }
}
