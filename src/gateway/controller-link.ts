import { randomUUID } from 'node:crypto';
import type { InMessage, OutMessage } from '../node/middleware/broker.js';
import type { BrokerPort, ConsumerHandle } from '../node/middleware/port.js';
import type { Stage, Topology } from '../node/middleware/topology.js';
import type { WorkerKind } from '../node/config/cluster.js';
import type { TableName } from '../dataset/tables.js';
import { CounterReporter } from '../node/counters-reporter.js';
import { aliveId, deliveredId, openId, routedId, sourceId } from '../protocol/internal/ids.js';
import { encodeJsonBody, type OpenReply, type OpenRequest } from '../protocol/internal/messages.js';
import { ErrorCode } from '../node/errors.js';
import { reportSessionFault } from '../node/session-fault.js';

/** Where each table's batches go: one competing queue, or a broadcast to every partition. */
const ROUTES: Record<TableName, { stages: WorkerKind[]; broadcast: boolean }> = {
  transactions: { stages: ['tx-filter'], broadcast: false },
  transaction_items: { stages: ['item-filter'], broadcast: false },
  stores: { stages: ['q3-agg', 'q4-top'], broadcast: true },
  menu_items: { stages: ['q2-agg'], broadcast: true },
  users: { stages: ['q4-count'], broadcast: true },
};

/**
 * Messages to and from the middleware for the gateway: session admission through the
 * controller (request/reply on this gateway's reply queue), forwarding of batches with their
 * counter reports (the gateway is the `source` stage), and each session's results queue.
 */
export class ControllerLink {
  private readonly pendingReplies = new Map<string, (reply: OpenReply) => void>();
  private readonly reporter: CounterReporter;
  private readonly replyQueue: string;

  constructor(
    private readonly broker: BrokerPort,
    private readonly topology: Topology,
    gatewayIndex: number,
    private readonly nodeId: string,
  ) {
    this.reporter = new CounterReporter(broker, topology, 'source', nodeId);
    this.replyQueue = topology.gatewayQueue(gatewayIndex);
  }

  async start(): Promise<void> {
    await this.broker.declareQueues(this.topology.allSharedQueues());
    this.broker.consume({ queue: this.replyQueue, prefetch: 64, concurrency: 64, temporary: true }, (msg) => {
      const resolve = msg.correlationId ? this.pendingReplies.get(msg.correlationId) : undefined;
      if (!resolve) return Promise.resolve();
      this.pendingReplies.delete(msg.correlationId!);
      try {
        resolve(JSON.parse(msg.body.toString('utf8')) as OpenReply);
      } catch {
        resolve({ ok: false, code: ErrorCode.INTERNAL, message: 'malformed controller reply' });
      }
      return Promise.resolve();
    });
  }

  /** Asks the session's controller to admit it (or re-admit it, on resume, checking its token). */
  openSession(session: string, request: OpenRequest, timeoutMs: number): Promise<OpenReply> {
    const correlationId = randomUUID();
    return new Promise<OpenReply>((resolve) => {
      const timer = setTimeout(() => {
        this.pendingReplies.delete(correlationId);
        resolve({ ok: false, code: ErrorCode.CONTROLLER_TIMEOUT, message: 'no controller answered in time: retry later' });
      }, timeoutMs);
      this.pendingReplies.set(correlationId, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      const queue = this.topology.controllerQueue(this.topology.controllerFor(session));
      this.broker
        .publish({
          queue,
          type: 'open',
          id: openId(session, correlationId),
          session,
          replyTo: this.replyQueue,
          correlationId,
          body: encodeJsonBody(request),
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          this.pendingReplies.delete(correlationId);
          resolve({ ok: false, code: ErrorCode.BROKER, message: `cannot reach the controller: ${String(err)}` });
        });
    });
  }

  /** Publishes one client batch to its stage(s) and reports it; resolves once both are confirmed. */
  async forwardBatch(session: string, table: TableName, seq: number, payload: Buffer): Promise<void> {
    const route = ROUTES[table];
    const id = sourceId(table, seq);
    const msgs: OutMessage[] = [];
    const out: Partial<Record<Stage, number>> = {};
    for (const stage of route.stages) {
      const queues = this.topology.stageQueues(stage);
      if (route.broadcast)
        queues.forEach((queue, p) => msgs.push({ queue, type: 'data', id: routedId(id, stage, p), session, body: payload }));
      else msgs.push({ queue: queues[0], type: 'data', id, session, body: payload });
      out[stage] = route.broadcast ? queues.length : 1;
    }
    await this.broker.publishAll(msgs);
    await this.reporter.report(session, id, out);
  }

  /** The client ended a table after `batches` batches. */
  endTable(session: string, table: TableName, batches: number): Promise<void> {
    return this.reporter.report(session, null, {}, { [table]: batches });
  }

  consumeResults(session: string, prefetch: number, handler: (msg: InMessage) => Promise<void>): ConsumerHandle {
    return this.broker.consume({ queue: this.topology.resultsQueue(session), prefetch, concurrency: prefetch, passive: true }, handler);
  }

  stopResults(consumer: ConsumerHandle): Promise<void> {
    return this.broker.stopConsumer(consumer);
  }

  /** The session's client is still connected to this gateway: its controller must not expire it. */
  async sessionAlive(session: string): Promise<void> {
    const queue = this.topology.controllerQueue(this.topology.controllerFor(session));
    await this.broker.publish({ queue, type: 'alive', id: aliveId(session, Date.now()), session, body: Buffer.alloc(0) });
  }

  /** The session cannot go on (e.g. over a quota): its controller fails it, deleting its state everywhere. */
  reportFault(session: string, code: ErrorCode, message: string): Promise<void> {
    return reportSessionFault(this.broker, this.topology, this.nodeId, { session, code, message });
  }

  /** The client has its reports (or the session is abandoned): the controller cleans up. */
  async finishSession(session: string): Promise<void> {
    const queue = this.topology.controllerQueue(this.topology.controllerFor(session));
    await this.broker.publish({ queue, type: 'delivered', id: deliveredId(session), session, body: Buffer.alloc(0) });
  }
}
