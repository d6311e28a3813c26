/**
 * Holds message handlers until a node's state is loaded, and reloads it on demand (each time
 * its exclusive consumer becomes ready). Handlers that arrive before the first load wait for it.
 */
export class LoadGate {
  private release: ((p: Promise<void>) => void) | undefined;
  private current: Promise<void>;

  constructor() {
    this.current = new Promise<void>((resolve) => (this.release = resolve));
  }

  reload(load: () => unknown): Promise<void> {
    const p = Promise.resolve()
      .then(load)
      .then(() => undefined);
    this.release?.(p);
    this.release = undefined;
    this.current = p;
    return p;
  }

  wait(): Promise<void> {
    return this.current;
  }
}
