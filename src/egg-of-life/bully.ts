/**
 * Leader election among the Egg of Life replicas: the Bully algorithm over TCP. The live
 * replica with the highest index leads.
 *
 * Every exchange is one short TCP connection carrying one newline-terminated JSON request and
 * one reply: ELECTION → ANSWER, COORDINATOR → OK, PING → PONG. A peer that does not reply within
 * `timeoutMs` is taken for dead (a frozen process still completes the TCP handshake, so a
 * connection alone proves nothing).
 *
 * Every request and reply is signed with the cluster secret and carries a time and counter
 * (node/heartbeat/auth.ts); a server answers only authentic, fresh requests from a configured
 * peer (by index, and by address where the peer is configured by IP): a forged COORDINATOR
 * can no longer demote the real leader, nor a replayed one.
 */

import net from 'node:net';
import { EventEmitter } from 'node:events';
import { open, ReplayGuard, seal } from '../node/heartbeat/auth.js';
import { everyOnGrid, type GridTimer } from '../node/grid-timer.js';

/** One replica's election server. */
export interface BullyPeer {
  index: number;
  host: string;
  port: number;
}

export interface BullyOptions {
  /** This replica's index (its priority: higher wins). */
  index: number;
  /** Bind address of the election server (default 127.0.0.1). */
  host?: string;
  port: number;
  /** Every replica's election address (this one's entry, if present, is ignored). */
  peers: BullyPeer[];
  /** ms between checks that the leader is alive. */
  intervalMs: number;
  /** ms to wait for a peer's reply. */
  timeoutMs: number;
  /** ms to wait for a COORDINATOR after a higher replica answered (default 4 × timeoutMs + intervalMs). */
  coordinatorTimeoutMs?: number;
  log?: { info(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  /** The cluster secret requests and replies are signed with. */
  secret: Buffer;
  /** ms a signed message stays acceptable (default 10 000). */
  replayWindowMs?: number;
}

type MessageType = 'ELECTION' | 'ANSWER' | 'COORDINATOR' | 'OK' | 'PING' | 'PONG';
interface Message {
  type: MessageType;
  from: number;
  /** PONG: who the replier thinks leads. */
  leader?: number | null;
}

const TYPES = new Set<MessageType>(['ELECTION', 'ANSWER', 'COORDINATOR', 'OK', 'PING', 'PONG']);
const MAX_LINE = 1024;

export function parseMessage(line: string): Message | null {
  try {
    return messageOf(JSON.parse(line));
  } catch {
    return null;
  }
}

function messageOf(raw: unknown): Message | null {
  if (raw === null || typeof raw !== 'object') return null;
  const v = raw as Partial<Message>;
  if (typeof v.type !== 'string' || !TYPES.has(v.type) || typeof v.from !== 'number' || !Number.isInteger(v.from)) return null;
  return { type: v.type, from: v.from, leader: typeof v.leader === 'number' ? v.leader : null };
}

/** The election sender identity inside the signed envelope. */
const senderOf = (index: number): string => `egg-${index}`;

/** Normalises `::ffff:127.0.0.1` (an IPv4 peer seen on a dual-stack socket). */
const plainAddress = (addr: string | undefined): string => (addr?.startsWith('::ffff:') ? addr.slice(7) : (addr ?? ''));

/** Events of an election: `leader` whenever the known leader changes (undefined: none known). */
interface BullyEvents {
  leader: [leader: number | undefined];
}

export class BullyElection extends EventEmitter<BullyEvents> {
  private readonly peers: BullyPeer[];
  private readonly server = net.createServer((socket) => this.serve(socket));
  private readonly sockets = new Set<net.Socket>();
  private current: number | undefined;
  private electing: Promise<void> | undefined;
  private coordinatorSeq = 0;
  private readonly coordinatorWaiters = new Set<() => void>();
  private timer: GridTimer | undefined;
  private ticking = false;
  private stopped = false;
  private readonly guard: ReplayGuard;
  /** Requests refused (bad MAC, replay, stale, unknown peer): for tests and diagnosis. */
  rejected = 0;

  constructor(private readonly options: BullyOptions) {
    super();
    this.peers = options.peers.filter((p) => p.index !== options.index);
    this.guard = new ReplayGuard(options.replayWindowMs ?? 10_000, Math.max(16, 4 * options.peers.length));
  }

  private sealed(msg: Message): string {
    return `${seal(this.options.secret, 'el', senderOf(this.options.index), msg)}\n`;
  }

  /** An authentic, fresh message from `from`'s identity; null otherwise. */
  private opened(line: string): Message | null {
    const v = open(this.options.secret, 'el', line, this.guard);
    const msg = v ? messageOf(v) : null;
    return msg && v?.s === senderOf(msg.from) ? msg : null;
  }

  /** Only configured peers may take part; by address too where the peer is configured by IP. */
  private fromPeer(msg: Message, socket: net.Socket): boolean {
    const peer = this.peers.find((p) => p.index === msg.from);
    if (!peer) return false;
    return net.isIP(peer.host) === 0 || plainAddress(socket.remoteAddress) === peer.host;
  }

  get index(): number {
    return this.options.index;
  }

  /** The leader's index as this replica knows it; undefined while an election runs. */
  leader(): number | undefined {
    return this.current;
  }

  isLeader(): boolean {
    return this.current === this.options.index;
  }

  /** Binds the election server and starts an election (a replica that comes back claims its rank). */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.server.on('error', () => undefined);
    this.timer = everyOnGrid(() => void this.tick(), this.options.intervalMs);
    void this.elect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.stop();
    for (const wake of this.coordinatorWaiters) wake();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Runs an election unless one is already running; resolves when it is over. */
  elect(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.electing ??= this.runElection().finally(() => {
      this.electing = undefined;
    });
    return this.electing;
  }

  private async runElection(): Promise<void> {
    const self = this.options.index;
    const higher = this.peers.filter((p) => p.index > self);
    while (!this.stopped) {
      const seq = this.coordinatorSeq;
      const replies = await Promise.all(higher.map((p) => this.request(p, { type: 'ELECTION', from: self })));
      if (this.stopped) return;
      if (!replies.some((r) => r?.type === 'ANSWER')) {
        this.setLeader(self);
        // Announce; lower replicas accept, a higher one that appeared meanwhile starts its own election.
        await Promise.all(this.peers.map((p) => this.request(p, { type: 'COORDINATOR', from: self })));
        return;
      }
      // A higher replica is alive: it will announce itself. Stop acting as leader meanwhile.
      if (this.current === self) this.setLeader(undefined);
      if (this.coordinatorSeq !== seq && this.current !== undefined && this.current > self) return;
      const timeout = this.options.coordinatorTimeoutMs ?? 4 * this.options.timeoutMs + this.options.intervalMs;
      if (await this.waitCoordinator(timeout)) return;
      // No COORDINATOR came: the answering replica died meanwhile; try again.
    }
  }

  private waitCoordinator(timeoutMs: number): Promise<boolean> {
    const self = this.options.index;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.coordinatorWaiters.delete(done);
        resolve(this.current !== undefined && this.current > self);
      };
      const timer = setTimeout(done, timeoutMs);
      this.coordinatorWaiters.add(done);
    });
  }

  /** Leader liveness: ping it; silence, or a leader that no longer thinks it leads, triggers an election. */
  private async tick(): Promise<void> {
    if (this.stopped || this.ticking || this.electing) return;
    this.ticking = true;
    try {
      const leader = this.current;
      if (leader === undefined) {
        void this.elect();
        return;
      }
      if (leader === this.options.index) return;
      const peer = this.peers.find((p) => p.index === leader);
      const reply = peer ? await this.request(peer, { type: 'PING', from: this.options.index }) : null;
      if (this.stopped || this.current !== leader) return;
      if (!reply || reply.type !== 'PONG' || reply.leader !== leader) {
        this.options.log?.info(
          { leader },
          reply ? 'leader no longer leads: starting an election' : 'leader does not answer: starting an election',
        );
        this.setLeader(undefined);
        void this.elect();
      }
    } finally {
      this.ticking = false;
    }
  }

  private setLeader(leader: number | undefined): void {
    if (leader === this.current) return;
    this.current = leader;
    if (leader !== undefined)
      this.options.log?.info(
        { leader, self: this.options.index },
        leader === this.options.index ? 'this replica is now the leader' : `leader is replica ${leader}`,
      );
    this.emit('leader', leader);
  }

  private handle(msg: Message): Message {
    const self = this.options.index;
    switch (msg.type) {
      case 'ELECTION':
        // A lower replica is electing: we outrank it, so we take over the election.
        if (msg.from < self) void this.elect();
        return { type: 'ANSWER', from: self };
      case 'COORDINATOR':
        if (msg.from > self) {
          this.setLeader(msg.from);
          this.coordinatorSeq++;
          for (const wake of [...this.coordinatorWaiters]) wake();
        } else if (msg.from < self) {
          void this.elect(); // we are alive and outrank it
        }
        return { type: 'OK', from: self };
      case 'PING':
        return { type: 'PONG', from: self, leader: this.current ?? null };
      default:
        return { type: 'OK', from: self };
    }
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(Math.max(1000, 4 * this.options.timeoutMs), () => socket.destroy());
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_LINE) socket.destroy();
        return;
      }
      const msg = this.opened(buf.slice(0, nl));
      if (!msg || !this.fromPeer(msg, socket) || this.stopped) {
        if (!this.stopped) this.rejected++;
        socket.destroy();
        return;
      }
      socket.end(this.sealed(this.handle(msg)));
    });
  }

  /** One request, one reply; null if the peer is down, frozen or talks nonsense. */
  private request(peer: BullyPeer, msg: Message): Promise<Message | null> {
    return new Promise((resolve) => {
      let settled = false;
      let buf = '';
      const socket = net.connect({ host: peer.host, port: peer.port });
      const finish = (reply: Message | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      };
      const timer = setTimeout(() => finish(null), this.options.timeoutMs);
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(this.sealed(msg)));
      socket.on('data', (chunk: string) => {
        buf += chunk;
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          const reply = this.opened(buf.slice(0, nl));
          finish(reply?.from === peer.index ? reply : null);
        } else if (buf.length > MAX_LINE) finish(null);
      });
      socket.on('error', () => finish(null));
      socket.on('close', () => finish(null));
    });
  }
}
