import type { Heartbeat } from '../node/heartbeat/message.js';
import type { NodeSpec } from './restart/node-spec.js';
import type { RestartRunner } from './restart/runner.js';
import { everyOnGrid, type GridTimer } from '../node/grid-timer.js';

/** What the monitor needs from the world; injected so its logic is testable without processes. */
export interface MonitorOptions {
  /** This replica's own id: never restarts itself. */
  selfId: string;
  /** The registry (re-read by the caller when it changes). */
  registry: () => NodeSpec[];
  runner: RestartRunner;
  isLeader: () => boolean;
  timeoutMs: number;
  checkMs: number;
  startupGraceMs: number;
  /** The pid in the node's pid file, if any. */
  pidFromFile: (id: string) => number | undefined;
  /** Whether `pid` is alive and is node `id`. */
  isNodeProcess: (pid: number, id: string) => boolean;
  /** Kills instance `pid` of node `id`. */
  kill: (pid: number, id: string) => void;
  /** Resolves when every pid is gone (bounded). */
  waitGone: (pids: number[], id: string) => Promise<boolean>;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
  /** Monotonic clock, ms. */
  now?: () => number;
  /**
   * ms a replica that just became leader waits before restarting anyone (default 0): the old
   * leader may be mid-restart; its restart record (below) shows up meanwhile.
   */
  leaderGraceMs?: number;
  /** Back-off of a node that keeps dying soon after its restarts (whether or not it heartbeated). */
  backoff?: { baseMs: number; maxMs: number; stableMs: number };
  /**
   * Restart records shared by the replicas (`<run>/restarts/<id>.json`): a restart another
   * leader issued (or is issuing) recently is adopted, not repeated. One restart per death.
   */
  records?: { read(id: string): RestartRecord | undefined; write(record: RestartRecord): void };
  /** Wall clock, ms (records are compared across processes). */
  wallNow?: () => number;
}

/** One restart decision, as written to the run dir by the leader that made it. */
export interface RestartRecord {
  id: string;
  /** The restarting replica's id. */
  by: string;
  /** Its term: the wall-clock time it became leader. */
  term: number;
  /** Wall-clock time of the decision (intent) or of the start (with pid). */
  at: number;
  /** The new process; absent while the old one is being killed. */
  pid?: number;
}

const MAX_UNKNOWN = 64;
const MAX_PIDS = 4;

interface NodeState {
  spec: NodeSpec;
  lastSeen: number;
  /** Not dead before this, whatever the silence (our start, or a restart we issued). */
  graceUntil: number;
  lastPid?: number;
  /** pid → last heartbeat from it: two live pids for one id are a duplicate. */
  pids: Map<number, number>;
  deadSince?: number;
  restarting: boolean;
  /** The pid of our last restart, until it heartbeats. */
  startedPid?: number;
  awaitingFirst: boolean;
  /** Not heard from since we started tracking it, and not restarted by us. */
  neverHeard: boolean;
  /** Deaths in a row soon after our restart (heartbeated or not): backs off a crash loop. */
  failedStarts: number;
  nextAttemptAt: number;
  /** When we (or a leader whose restart we adopted) last started it. */
  lastStartAt?: number;
}

export interface RestartEvent {
  id: string;
  oldPids: number[];
  newPid: number;
  silentMs: number;
}

/**
 * Tracks the last heartbeat of every node of the registry on our own monotonic clock. A node
 * silent for longer than timeoutMs is dead; only the leader acts: it kills what is left of it
 * (a frozen process would otherwise come back as a duplicate) and starts it again with the
 * same spec. Every replica tracks the dead, so a new leader acts on them at its first check.
 */
export class Monitor {
  private readonly states = new Map<string, NodeState>();
  private readonly now: () => number;
  private timer: GridTimer | undefined;
  /** Ids heard from but not in the registry, for one debug line each; capped (memory stays bounded). */
  private readonly unknown = new Set<string>();
  readonly restarts: RestartEvent[] = [];
  private wasLeader = false;
  private leaderSince = 0;
  private term = 0;
  private readonly backoff: { baseMs: number; maxMs: number; stableMs: number };

  constructor(private readonly o: MonitorOptions) {
    this.now = o.now ?? (() => performance.now());
    this.backoff = o.backoff ?? { baseMs: 500, maxMs: o.startupGraceMs, stableMs: 0 };
    this.sync();
  }

  start(): void {
    this.timer ??= everyOnGrid(() => void this.check(), this.o.checkMs);
  }

  stop(): void {
    this.timer?.stop();
    this.timer = undefined;
  }

  onHeartbeat(hb: Heartbeat): void {
    const st = this.states.get(hb.id);
    if (!st) {
      if (this.unknown.size < MAX_UNKNOWN && !this.unknown.has(hb.id)) {
        this.o.log.debug({ id: hb.id }, 'heartbeat from a node not in the registry: ignored');
        this.unknown.add(hb.id);
      }
      return;
    }
    const now = this.now();
    st.lastSeen = now;
    st.lastPid = hb.pid;
    // Bounded: a node has one pid, two during a duplicate; more are forgotten oldest first.
    if (!st.pids.has(hb.pid) && st.pids.size >= MAX_PIDS) {
      const oldest = [...st.pids].sort((a, b) => a[1] - b[1])[0];
      if (oldest) st.pids.delete(oldest[0]);
    }
    st.pids.set(hb.pid, now);
    if (st.deadSince !== undefined) this.o.log.debug({ id: hb.id, pid: hb.pid }, 'node is back');
    // Info, not debug: "how long until a restarted node heartbeats again" is read from this line.
    if (st.awaitingFirst && st.lastStartAt !== undefined)
      this.o.log.info(
        { id: hb.id, pid: hb.pid, sinceStartMs: Math.round(now - st.lastStartAt) },
        `${hb.id} heartbeats again ${Math.round(now - st.lastStartAt)} ms after its restart`,
      );
    st.deadSince = undefined;
    // The grace only covers the wait for a first heartbeat: from now on silence counts.
    st.graceUntil = 0;
    st.awaitingFirst = false;
    st.neverHeard = false;
  }

  /** Silent nodes (dead by our rules), whether or not we lead. */
  dead(): string[] {
    return [...this.states.values()].filter((s) => s.deadSince !== undefined).map((s) => s.spec.id);
  }

  /** Adds registry entries we do not track yet (with a startup grace) and drops removed ones. */
  sync(): void {
    const now = this.now();
    const specs = this.o.registry();
    const ids = new Set(specs.map((s) => s.id));
    for (const id of this.states.keys()) if (!ids.has(id)) this.states.delete(id);
    for (const spec of specs) {
      if (spec.id === this.o.selfId) continue;
      const st = this.states.get(spec.id);
      if (st) st.spec = spec;
      else
        this.states.set(spec.id, {
          spec,
          lastSeen: now,
          graceUntil: now + this.o.startupGraceMs,
          pids: new Map(),
          restarting: false,
          awaitingFirst: false,
          neverHeard: true,
          failedStarts: 0,
          nextAttemptAt: 0,
        });
    }
  }

  /** One round: mark the silent dead; if leader, restart them and remove duplicates. */
  async check(): Promise<void> {
    const now = this.now();
    const isLeader = this.o.isLeader();
    if (isLeader && !this.wasLeader) {
      this.leaderSince = now;
      this.term = this.wallNow();
    }
    this.wasLeader = isLeader;
    // A new leader acts only after its grace: one restart per death, not one per leader.
    const leader = isLeader && now - this.leaderSince >= (this.o.leaderGraceMs ?? 0);
    const work: Array<Promise<void>> = [];
    for (const st of this.states.values()) {
      if (st.restarting) continue;
      const id = st.spec.id;
      // The startup grace is for a node still booting: under a boot storm (20 processes on
      // 2 cores) its first heartbeats can be late. A node whose pid-file process is already
      // gone gets no grace: it is dead now.
      const filePid = st.neverHeard ? this.o.pidFromFile(id) : undefined;
      const gone = filePid !== undefined && !this.o.isNodeProcess(filePid, id);
      let dead = now - st.lastSeen > this.o.timeoutMs && (now > st.graceUntil || gone);
      // A process we restarted that already exited need not wait out its grace.
      if (!dead && st.awaitingFirst && st.startedPid !== undefined && !this.o.isNodeProcess(st.startedPid, id)) dead = true;
      if (dead) {
        if (st.deadSince === undefined) {
          st.deadSince = now;
          this.o.log.debug({ id, silentMs: Math.round(now - st.lastSeen) }, 'node is silent: dead');
          this.scheduleAfterDeath(st, now);
        }
        if (leader && now >= st.nextAttemptAt) work.push(this.restart(st));
      } else if (leader) {
        this.dedupe(st, now);
      }
    }
    await Promise.all(work);
  }

  /**
   * A death soon after the last start (within stableMs, heartbeated or not) counts as one more
   * failure in a row: the next start waits base·2^(n-2) after the previous one, capped (the
   * first quick death is restarted at once: it may be a plain kill). A node that lived longer
   * starts over. A full disk or a poison input then costs a restart every `maxMs`, not a spin.
   */
  private scheduleAfterDeath(st: NodeState, now: number): void {
    if (st.lastStartAt === undefined) return;
    const quick = st.awaitingFirst || now - st.lastStartAt < this.backoff.stableMs;
    st.failedStarts = quick ? st.failedStarts + 1 : 0;
    const delay = st.failedStarts < 2 ? 0 : Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (st.failedStarts - 2));
    st.nextAttemptAt = Math.max(st.nextAttemptAt, st.lastStartAt + delay);
    if (st.nextAttemptAt > now)
      this.o.log.info(
        { id: st.spec.id, failures: st.failedStarts, waitMs: Math.round(st.nextAttemptAt - now) },
        `${st.spec.id} died again soon after its restart: next restart in ${Math.round(st.nextAttemptAt - now)} ms`,
      );
  }

  /** A restart another leader decided recently: adopt it (true) or wait for it to finish (true); false: ours to do. */
  private wallNow(): number {
    return (this.o.wallNow ?? Date.now)();
  }

  private otherRestart(st: NodeState): boolean {
    const rec = this.o.records?.read(st.spec.id);
    if (!rec || rec.by === this.o.selfId) return false;
    const age = this.wallNow() - rec.at;
    if (age < 0 || age >= this.o.startupGraceMs) return false;
    const now = this.now();
    if (rec.pid === undefined) {
      st.nextAttemptAt = now + this.o.checkMs; // it is killing the old process: look again shortly
      return true;
    }
    if (!this.o.isNodeProcess(rec.pid, st.spec.id)) return false;
    this.o.log.info(
      { id: st.spec.id, by: rec.by, pid: rec.pid },
      `${st.spec.id} was already restarted by ${rec.by} (pid ${rec.pid}): not restarting it again`,
    );
    st.startedPid = rec.pid;
    st.awaitingFirst = true;
    st.neverHeard = false;
    st.deadSince = undefined;
    st.lastStartAt = now - age;
    st.graceUntil = now - age + this.o.startupGraceMs;
    st.pids.clear();
    return true;
  }

  private async restart(st: NodeState): Promise<void> {
    const id = st.spec.id;
    st.restarting = true;
    const silentMs = Math.round(this.now() - st.lastSeen);
    try {
      if (this.otherRestart(st)) return;
      this.o.records?.write({ id, by: this.o.selfId, term: this.term, at: this.wallNow() });
      const candidates = new Set<number>();
      for (const pid of [st.lastPid, this.o.pidFromFile(id), st.startedPid, ...st.pids.keys()]) if (pid !== undefined) candidates.add(pid);
      const victims = [...candidates].filter((pid) => this.o.isNodeProcess(pid, id));
      for (const pid of victims) this.o.kill(pid, id);
      if (victims.length > 0 && !(await this.o.waitGone(victims, id))) {
        this.o.log.warn({ id, pids: victims }, 'could not kill the old process yet; will retry');
        st.nextAttemptAt = this.now() + this.o.checkMs;
        return;
      }
      if (!this.o.isLeader()) return; // lost the lead while killing: the new leader takes over
      const newPid = await this.o.runner.start(st.spec);
      const t = this.now();
      this.o.records?.write({ id, by: this.o.selfId, term: this.term, at: this.wallNow(), pid: newPid });
      st.lastStartAt = t;
      st.nextAttemptAt = 0;
      st.startedPid = newPid;
      st.awaitingFirst = true;
      st.neverHeard = false;
      st.graceUntil = t + this.o.startupGraceMs;
      st.deadSince = undefined;
      st.pids.clear();
      this.restarts.push({ id, oldPids: victims, newPid, silentMs });
      this.o.log.info({ id, silentMs, killed: victims, pid: newPid }, `restarted ${id} (silent ${silentMs} ms): new pid ${newPid}`);
    } catch (err) {
      st.nextAttemptAt = this.now() + this.o.startupGraceMs;
      this.o.log.error({ id, err }, `could not restart ${id}`);
    } finally {
      st.restarting = false;
    }
  }

  /** Two live processes heartbeating as one node (a restart raced a boot): keep the pid file's. */
  private dedupe(st: NodeState, now: number): void {
    for (const [pid, seen] of st.pids) if (now - seen > this.o.timeoutMs) st.pids.delete(pid);
    if (st.pids.size < 2) return;
    const keep = this.o.pidFromFile(st.spec.id);
    if (keep === undefined || !st.pids.has(keep)) return;
    for (const pid of st.pids.keys()) {
      if (pid === keep || !this.o.isNodeProcess(pid, st.spec.id)) continue;
      this.o.log.warn({ id: st.spec.id, pid, keep }, `duplicate process of ${st.spec.id}: killed pid ${pid}`);
      this.o.kill(pid, st.spec.id);
      st.pids.delete(pid);
    }
  }
}
