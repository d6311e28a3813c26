/**
 * Names of every queue, and the stage graph the controller counts messages over.
 *
 * - stateless stages (filters) share one competing-consumers queue: `<name>.<stage>`;
 * - partitioned stages have one queue per replica: `<name>.<stage>.<p>`, p = key hash mod replicas;
 * - each controller i has `<name>.controller.<i>` (sessions, counters, delivery notices);
 * - each gateway has a reply queue `<name>.gateway.<i>`;
 * - each session has its results queue `<name>.results.<session>`, deleted at clean-up.
 */

import type { ClusterConfig, WorkerKind } from '../config/cluster.js';

/** A vertex of the stage graph: the gateway's client input (source), a worker stage, or the results. */
export type Stage = 'source' | WorkerKind | 'results';

export interface StageInfo {
  /** Stages whose emitted counts feed this one. */
  upstream: readonly Stage[];
  /** Partitioned (stateful, finalised by an EOS per partition) or competing (stateless). */
  partitioned: boolean;
}

export const STAGES: Readonly<Record<Exclude<Stage, 'source' | 'results'>, StageInfo>> = {
  'tx-filter': { upstream: ['source'], partitioned: false },
  'item-filter': { upstream: ['source'], partitioned: false },
  'q1-sort': { upstream: ['tx-filter'], partitioned: true },
  'q2-agg': { upstream: ['item-filter', 'source'], partitioned: true },
  'q3-agg': { upstream: ['tx-filter', 'source'], partitioned: true },
  'q4-count': { upstream: ['tx-filter', 'source'], partitioned: true },
  'q4-top': { upstream: ['q4-count', 'source'], partitioned: true },
};
export const WORKER_STAGES = Object.keys(STAGES) as Array<keyof typeof STAGES>;

/**
 * The partition owning a key, per partitioned stage (`partitions` = the stage's replicas).
 * Producers route with it, and a partition that receives a broadcast keeps exactly the keys
 * it maps to itself, so both sides must call the same function. Keys are non-negative ids.
 */
export const partitionOf = {
  /** Q1 rows: by an FNV-1a hash of the transaction id's bytes (`id[start..end)`). */
  'q1-sort': (id: Uint8Array, start: number, end: number, partitions: number): number => fnv1aBytes(id, start, end) % partitions,
  /** Q2 partial sums: by month key (yyyymm). */
  'q2-agg': (month: number, partitions: number): number => month % partitions,
  /** Q3 partial sums: by store id. */
  'q3-agg': (store: number, partitions: number): number => store % partitions,
  /** Q4 purchase counts and user birthdates: by user id. */
  'q4-count': (user: number, partitions: number): number => user % partitions,
  /** Q4 candidates: by store id. */
  'q4-top': (store: number, partitions: number): number => store % partitions,
} as const satisfies Record<PartitionedStage, (...args: never[]) => number>;

/** The stages sharded into partitions (one queue and one state per replica). */
export type PartitionedStage = 'q1-sort' | 'q2-agg' | 'q3-agg' | 'q4-count' | 'q4-top';
/** The stages whose outputs are reports. */
export const RESULT_UPSTREAM: readonly Stage[] = ['q1-sort', 'q2-agg', 'q3-agg', 'q4-top'];

export class Topology {
  constructor(readonly cluster: Readonly<ClusterConfig>) {}

  get prefix(): string {
    return this.cluster.name;
  }

  partitions(stage: WorkerKind): number {
    return STAGES[stage].partitioned ? this.cluster.replicas[stage] : 1;
  }

  /** The queue a message for `stage` (and partition, for partitioned stages) goes to. */
  stageQueue(stage: WorkerKind, partition = 0): string {
    return STAGES[stage].partitioned ? `${this.prefix}.${stage}.${partition}` : `${this.prefix}.${stage}`;
  }

  /** Every queue of a stage (one, or one per partition). */
  stageQueues(stage: WorkerKind): string[] {
    const n = this.partitions(stage);
    if (!STAGES[stage].partitioned) return [this.stageQueue(stage)];
    return Array.from({ length: n }, (_, p) => this.stageQueue(stage, p));
  }

  /** Every durable shared queue of the cluster (declared by whoever starts first). */
  allSharedQueues(): string[] {
    const out: string[] = [];
    for (const s of WORKER_STAGES) out.push(...this.stageQueues(s));
    for (let i = 0; i < this.cluster.replicas.controller; i++) out.push(this.controllerQueue(i));
    return out;
  }

  /**
   * The queues whose one consumer owns on-disk state (partitioned stages, controllers): they are
   * consumed with the exclusive flag, which quorum queues (RabbitMQ 3.10) accept but do not
   * enforce, so as quorum queues they are declared single-active-consumer instead.
   */
  singleConsumerQueues(): string[] {
    const out: string[] = [];
    for (const s of WORKER_STAGES) if (STAGES[s].partitioned) out.push(...this.stageQueues(s));
    for (let i = 0; i < this.cluster.replicas.controller; i++) out.push(this.controllerQueue(i));
    return out;
  }

  controllerQueue(index: number): string {
    return `${this.prefix}.controller.${index}`;
  }

  /** The controller that owns a session: a deterministic hash of the session id. */
  controllerFor(session: string): number {
    return fnv1a(session) % this.cluster.replicas.controller;
  }

  gatewayQueue(index: number): string {
    return `${this.prefix}.gateway.${index}`;
  }

  resultsQueue(session: string): string {
    return `${this.prefix}.results.${session}`;
  }
}

/** FNV-1a 32-bit over a string's UTF-16 code units: cheap, stable, good enough for sharding. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a over a byte range (transaction ids travel as bytes). */
export function fnv1aBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
