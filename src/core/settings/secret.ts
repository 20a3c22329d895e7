/**
 * A configuration secret. The value is reachable only through {@link Secret.reveal}; every other
 * way of turning it into text (template strings, `JSON.stringify`, `util.inspect`, `String()`)
 * prints `[redacted]`, so a secret cannot leak through a log line or an error by accident.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}
