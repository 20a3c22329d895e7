/**
 * The part of the Workers runtime module `cloudflare:workers` this adapter uses, typed here for
 * the same reason as runtime.ts: `@cloudflare/workers-types` would clash with the Node types.
 * The module exists only inside workerd; the bundle keeps the import and the runtime resolves it.
 */
declare module 'cloudflare:workers' {
  export interface SqlCursor<Row> extends Iterable<Row> {
    toArray(): Row[];
    one(): Row;
    readonly rowsWritten: number;
  }

  export interface SqlStorage {
    exec<Row = Record<string, string | number | null>>(
      query: string,
      ...bindings: (string | number | null)[]
    ): SqlCursor<Row>;
  }

  export interface DurableObjectStorage {
    readonly sql: SqlStorage;
    transactionSync<T>(work: () => T): T;
  }

  export interface DurableObjectState {
    readonly storage: DurableObjectStorage;
  }

  /** Extending this class is what makes an object's public methods callable over RPC. */
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
}
