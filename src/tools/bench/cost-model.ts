/**
 * A throughput model from one measured run (issue 11): CPU-seconds per GB of input for each
 * stage, the stage that bounds throughput, and the predicted end-to-end time on more cores.
 *
 * Assumptions (kept deliberately simple; the README checks them against measurements):
 * - Each stage's CPU grows linearly with input bytes (CPU-s/GB is constant), and a machine
 *   with C cores can at best run C CPU-seconds per second: T >= total CPU / C.
 * - A stage can only spread its work over as many processes as can share it:
 *   - client: one process (one JS thread) per client, so at most `clients` ways;
 *   - gateway and controller: a client's session lives on one gateway (its TCP connection)
 *     and one controller (hash of the session id), so at most min(clients, replicas) ways;
 *   - filters and partitioned workers: replicas follow the cores (one replica of every kind
 *     per core, "replicas to match"), so at most C ways;
 *   - RabbitMQ: one Erlang VM that uses every core (its queues are separate processes),
 *     so at most C ways; Egg of Life is background load, also spread over C.
 *   T >= stage CPU / its ways, for every stage.
 * - T(C) is the largest of these lower bounds (perfect overlap of the stages otherwise:
 *   pipelining, no waiting on I/O or fsync). Start-up and the final merge are not modelled.
 */

export type StageKind = 'per-client' | 'per-session' | 'replicated';

export interface StageCost {
  stage: string;
  kind: StageKind;
  cpuSeconds: number;
  /** Replicas in the measured run (sessions spread over at most this many for per-session stages). */
  replicas: number;
}

export interface CostModelInput {
  stages: StageCost[];
  inputBytes: number;
  clients: number;
}

export interface StageRate extends StageCost {
  cpuSecondsPerGb: number;
}

export interface Prediction {
  cores: number;
  seconds: number;
  /** 'total CPU / cores' or the name of the stage whose share is the largest lower bound. */
  bound: string;
}

export interface CostModel {
  inputBytes: number;
  stages: StageRate[];
  totalCpuSeconds: number;
  totalCpuSecondsPerGb: number;
  predictions: Prediction[];
}

export const TOTAL_BOUND = 'total CPU / cores';

/** How many processes can share a stage's work on `cores` cores. */
export function stageWays(s: StageCost, cores: number, clients: number): number {
  switch (s.kind) {
    case 'per-client':
      return Math.max(1, clients);
    case 'per-session':
      // Replicas of gateways and controllers grow with the cores too, but one session uses one.
      return Math.max(1, Math.min(clients, Math.max(s.replicas, cores)));
    case 'replicated':
      return Math.max(1, cores);
  }
}

/** Predicted end-to-end seconds on `cores` cores for the same input (see the assumptions above). */
export function predict(input: CostModelInput, cores: number): Prediction {
  const total = input.stages.reduce((a, s) => a + s.cpuSeconds, 0);
  let best: Prediction = { cores, seconds: total / cores, bound: TOTAL_BOUND };
  for (const s of input.stages) {
    const t = s.cpuSeconds / stageWays(s, cores, input.clients);
    if (t > best.seconds) best = { cores, seconds: t, bound: s.stage };
  }
  return best;
}

export function costModel(input: CostModelInput, cores: number[] = [2, 4, 8, 16]): CostModel {
  const gb = input.inputBytes / 1e9;
  const perGb = (cpu: number): number => (gb > 0 ? cpu / gb : 0);
  const total = input.stages.reduce((a, s) => a + s.cpuSeconds, 0);
  return {
    inputBytes: input.inputBytes,
    stages: input.stages.map((s) => ({ ...s, cpuSecondsPerGb: perGb(s.cpuSeconds) })),
    totalCpuSeconds: total,
    totalCpuSecondsPerGb: perGb(total),
    predictions: cores.map((c) => predict(input, c)),
  };
}

const PER_SESSION_KINDS = new Set(['gateway', 'controller']);

/** The stages of a bench run: the client(s), every node kind, and RabbitMQ when measured. */
export function benchStages(
  nodes: { kind: string; replicas: number; cpuSeconds: number }[],
  client: { cpuSeconds: number },
  clients: number,
  brokerCpuSeconds: number | null,
): StageCost[] {
  const stages: StageCost[] = [{ stage: 'client', kind: 'per-client', cpuSeconds: client.cpuSeconds, replicas: clients }];
  for (const n of nodes)
    stages.push({
      stage: n.kind,
      kind: PER_SESSION_KINDS.has(n.kind) ? 'per-session' : 'replicated',
      cpuSeconds: n.cpuSeconds,
      replicas: n.replicas,
    });
  if (brokerCpuSeconds !== null) stages.push({ stage: 'rabbitmq', kind: 'replicated', cpuSeconds: brokerCpuSeconds, replicas: 1 });
  return stages;
}

/** Printed by bench: a table of stages then the predictions. */
export function formatCostModel(m: CostModel, measuredSeconds: number, cores: number): string {
  const lines: string[] = [];
  lines.push(
    `cost model  CPU-seconds per GB of input (${(m.inputBytes / 1e9).toFixed(3)} GB); assumptions in src/tools/bench/cost-model.ts`,
  );
  lines.push(`${'stage'.padEnd(14)}${'kind'.padStart(12)}${'CPU s'.padStart(9)}${'CPU s/GB'.padStart(10)}`);
  const sorted = [...m.stages].sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  for (const s of sorted)
    lines.push(
      `${s.stage.padEnd(14)}${s.kind.padStart(12)}${s.cpuSeconds.toFixed(2).padStart(9)}${s.cpuSecondsPerGb.toFixed(1).padStart(10)}`,
    );
  lines.push(
    `${'(total)'.padEnd(14)}${''.padStart(12)}${m.totalCpuSeconds.toFixed(2).padStart(9)}${m.totalCpuSecondsPerGb.toFixed(1).padStart(10)}`,
  );
  for (const p of m.predictions) {
    const here = p.cores === cores ? ` (measured here: ${measuredSeconds.toFixed(2)} s)` : '';
    lines.push(`predicted   ${String(p.cores).padStart(2)} cores: ${p.seconds.toFixed(2).padStart(7)} s, bound by ${p.bound}${here}`);
  }
  return `${lines.join('\n')}\n`;
}
