/**
 * A minimal Chrome DevTools Protocol client over the inspector's WebSocket (Node's global
 * WebSocket): enough to start and stop the CPU profiler and the sampling heap profiler inside the
 * server process, so start-up and warm-up stay out of the profile.
 */
export class InspectorSession {
  #socket: WebSocket;
  #nextId = 1;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    // If the server dies mid-profile, every call still waiting fails instead of hanging.
    socket.addEventListener('close', () => {
      for (const waiter of this.#pending.values()) {
        waiter.reject(new Error('the server closed its inspector connection'));
      }
      this.#pending.clear();
    });
    socket.addEventListener('message', (event: { data: unknown }) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      if (message.id === undefined) return;
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`inspector: ${message.error.message}`));
      else waiter?.resolve(message.result);
    });
  }

  /** `output` is the server's stderr, where Node prints `Debugger listening on ws://…`. */
  static async connect(output: () => string, timeoutMs = 10000): Promise<InspectorSession> {
    const deadline = performance.now() + timeoutMs;
    let url: string | undefined;
    while (!(url = /Debugger listening on (ws:\/\/\S+)/.exec(output())?.[1])) {
      if (performance.now() > deadline)
        throw new Error(`the server printed no inspector URL:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener(
        'error',
        () => reject(new Error(`cannot connect to the inspector at ${url}`)),
        {
          once: true,
        },
      );
    });
    return new InspectorSession(socket);
  }

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: (value) => resolve(value as T), reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.#socket.close();
  }
}
