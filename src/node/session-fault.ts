/**
 * A node tells a session's controller that the session cannot go on (its state folder is full,
 * it went over a quota, one of its messages is poison). The controller fails the session: its
 * client gets an ERROR naming the cause at once, and every node deletes the session's state.
 * Without this, such a session would wait for its idle timeout while its client hangs.
 */

import type { BrokerPort } from './middleware/port.js';
import type { Topology } from './middleware/topology.js';
import type { ErrorCode } from './errors.js';
import { faultId } from '../protocol/internal/ids.js';
import { encodeJsonBody } from '../protocol/internal/messages.js';
import { isSessionId } from '../protocol/wire/session-id.js';

export interface SessionFault {
  session: string;
  code: ErrorCode;
  /** What went wrong and what to do, for the session's client (never a secret). */
  message: string;
}

/** Publishes `fault` to the session's controller; a message without a valid session id has nobody to tell. */
export async function reportSessionFault(broker: BrokerPort, topology: Topology, nodeId: string, fault: SessionFault): Promise<void> {
  if (!isSessionId(fault.session)) return;
  await broker.publish({
    queue: topology.controllerQueue(topology.controllerFor(fault.session)),
    type: 'fault',
    id: faultId(nodeId, fault.code),
    session: fault.session,
    body: encodeJsonBody({ code: fault.code, message: fault.message, node: nodeId }),
  });
}
