import Docker from 'dockerode';
import { DockerError } from '../../node/errors.js';
import type { NodeSpec } from './node-spec.js';
import type { NodeControl } from './runner.js';

/** What the runner knows of one container, refreshed from the engine. */
interface ContainerState {
  /** Engine state: created, running, paused, restarting, exited, dead. */
  state: string;
  /** Host pid of the container's last run (kept after it exits): the instance handle. */
  pid: number | undefined;
  /** Our own last action on it (ms): a listing begun before it is stale for this container. */
  touchedAt: number;
}

/** States in which a container still holds the node: it must be killed before a restart. */
const PRESENT = new Set(['running', 'paused', 'restarting']);

export interface DockerRunnerOptions {
  /** The engine's socket (mounted into the Egg of Life's container). */
  socketPath: string;
  /** Node id → container name (`<restart.container_prefix><id>`). */
  containerOf: (id: string) => string;
  /** ms between listings of the containers' states (one API call for all). */
  refreshMs?: number;
  log: { warn(obj: object, msg: string): void };
  /** For tests: an engine client. */
  docker?: Docker;
}

/**
 * Restarts nodes that run as containers (a compose deployment): the container of a silent node is
 * killed if anything is left of it — unpaused first, since a frozen (`docker pause`d) container
 * counts as dead like a SIGSTOPped process, and the engine cannot kill it paused — and started
 * again, keeping its named volumes, so the node resumes from its state. The Monitor's probes are
 * synchronous, so the containers' states are kept in a cache refreshed every `refreshMs` and
 * updated by our own actions; pids in heartbeats are the containers' own (usually 1) and are
 * not used to tell instances apart: a container holds one instance at a time.
 */
export class DockerRunner implements NodeControl {
  private readonly docker: Docker;
  private readonly states = new Map<string, ContainerState>();
  private readonly kills = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DockerRunnerOptions) {
    this.docker = o.docker ?? new Docker({ socketPath: o.socketPath });
  }

  /** Loads the states once (so the first checks see them), then keeps them fresh. */
  async watch(): Promise<void> {
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), this.o.refreshMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One listing of every container (running or not); pids come from an inspect when a container's run changes. */
  async refresh(): Promise<void> {
    const began = Date.now();
    let list: Docker.ContainerInfo[];
    try {
      list = await this.docker.listContainers({ all: true });
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'docker: cannot list containers');
      return;
    }
    for (const c of list) {
      const name = c.Names[0]?.replace(/^\//, '');
      if (!name) continue;
      const prev = this.states.get(name);
      if (prev && prev.touchedAt > began) continue;
      let pid = prev?.pid;
      if (PRESENT.has(c.State) && (!prev || !PRESENT.has(prev.state) || pid === undefined)) pid = (await this.inspectPid(name)) ?? pid;
      this.states.set(name, { state: c.State, pid, touchedAt: prev?.touchedAt ?? 0 });
    }
  }

  recorded(id: string): number | undefined {
    return this.states.get(this.o.containerOf(id))?.pid;
  }

  isInstance(_handle: number, id: string): boolean {
    const st = this.states.get(this.o.containerOf(id));
    return st !== undefined && PRESENT.has(st.state);
  }

  /** Called once per candidate pid of the node: one kill per container at a time. */
  kill(_handle: number, id: string): void {
    const name = this.o.containerOf(id);
    if (this.kills.has(name)) return;
    const p = this.killContainer(name)
      .catch((err: unknown) => this.o.log.warn({ container: name, err: (err as Error).message }, 'docker: kill failed'))
      .finally(() => this.kills.delete(name));
    this.kills.set(name, p);
  }

  async waitGone(_handles: number[], id: string): Promise<boolean> {
    const name = this.o.containerOf(id);
    await this.kills.get(name);
    const deadline = Date.now() + 5000;
    for (;;) {
      const state = await this.inspectState(name);
      if (state === undefined || !PRESENT.has(state)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async start(spec: NodeSpec): Promise<number> {
    const name = this.o.containerOf(spec.id);
    const container = this.docker.getContainer(name);
    try {
      // Whatever is left (a paused container, one that hangs) goes first: never two instances.
      const state = await this.inspectState(name);
      if (state !== undefined && PRESENT.has(state)) await this.killContainer(name);
      await container.start();
    } catch (err) {
      // 304: already started (someone else did it between our inspect and start): fine.
      if ((err as { statusCode?: number }).statusCode !== 304)
        throw new DockerError(`cannot start container ${name}: ${(err as Error).message}`, err);
    }
    const pid = await this.inspectPid(name);
    this.states.set(name, { state: 'running', pid, touchedAt: Date.now() });
    if (pid === undefined) throw new DockerError(`container ${name} did not stay up after its start`);
    return pid;
  }

  private async killContainer(name: string): Promise<void> {
    const container = this.docker.getContainer(name);
    const state = await this.inspectState(name);
    if (state === 'paused') await container.unpause();
    if (state !== undefined && PRESENT.has(state)) {
      try {
        await container.kill({ signal: 'SIGKILL' });
      } catch (err) {
        // 409: not running any more (it died meanwhile): the goal is reached.
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      }
    }
    const prev = this.states.get(name);
    this.states.set(name, { state: 'exited', pid: prev?.pid, touchedAt: Date.now() });
  }

  private async inspectState(name: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getContainer(name).inspect();
      return info.State.Status;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw new DockerError(`cannot inspect container ${name}: ${(err as Error).message}`, err);
    }
  }

  private async inspectPid(name: string): Promise<number | undefined> {
    try {
      const info = await this.docker.getContainer(name).inspect();
      return info.State.Pid > 0 ? info.State.Pid : undefined;
    } catch {
      return undefined;
    }
  }
}
