// One submit_sm through the window and the pace, with the retries the carrier makes itself:
// ESME_RTHROTTLED and ESME_RMSGQFUL pause every sender for a back-off and try again, and so
// does a connection lost (or a response missing) before the answer came. After maxAttempts,
// or when no bound session, window slot or turn of the pace comes before the message's
// deadline, the result is a temporary failure for the caller to retry later. Other refusals
// are final unless classed temporary.
import type { Logger } from 'pino';
import { metrics } from '../../../metrics.js';
import { type Backoff, backoffDelay } from './backoff.js';
import type { Pace, Window } from './flow.js';
import { type PduFields, pdu, STATUS, statusName } from './lib.js';
import { ConnectionLost, ResponseTimeout, type SmppSession } from './session.js';

export interface SubmitFlow {
  session: SmppSession;
  window: Window;
  pace: Pace;
  maxAttempts: number;
  /** Pauses after a throttling answer. */
  retry: Backoff;
  logger: Logger;
}

export type PartResult = { ok: true; messageId: string } | { ok: false; permanent: boolean; reason: string };

/** The SMSC is busy: slow down and send again. */
const RETRY_HERE: ReadonlySet<number> = new Set([STATUS.THROTTLED, STATUS.MSGQFUL]);
/** Worth sending again later, but not in a loop here. Every other refusal is permanent. */
const TEMPORARY: ReadonlySet<number> = new Set([STATUS.SYSERR, STATUS.INVBNDSTS, STATUS.X_T_APPN]);

/** `deadline` (epoch ms): after it, no more waiting for a bound session or a window slot. */
export async function submitPart(flow: SubmitFlow, fields: PduFields, deadline: number): Promise<PartResult> {
  let lastReason = '';
  for (let attempt = 1; attempt <= flow.maxAttempts; attempt++) {
    if (!(await flow.session.whenBound(deadline - Date.now()))) {
      return { ok: false, permanent: false, reason: `not bound to the SMSC (${flow.session.problem})` };
    }
    const release = await flow.window.acquire(Math.max(0, deadline - Date.now()));
    if (!release) {
      return {
        ok: false,
        permanent: false,
        reason: `the window stayed full (${flow.window.size} submits unanswered)`,
      };
    }
    let status: number;
    let messageId: string | undefined;
    try {
      if (!(await flow.pace.turn(deadline))) {
        return {
          ok: false,
          permanent: false,
          reason: `no turn to send in time at ${flow.pace.perSecond} submit_sm a second`,
        };
      }
      // A new PDU each attempt: the package numbers a PDU once, on its first send.
      const response = await flow.session.request(pdu('submit_sm', fields));
      status = response.command_status;
      messageId = response.message_id;
    } catch (error) {
      if (!(error instanceof ConnectionLost || error instanceof ResponseTimeout)) throw error;
      lastReason = error.message;
      flow.logger.debug({ attempt, reason: lastReason }, 'SMPP submit_sm unanswered; sending again');
      continue;
    } finally {
      release();
    }
    if (status === STATUS.OK) {
      if (messageId) return { ok: true, messageId };
      return { ok: false, permanent: false, reason: 'the SMSC accepted the message without a message_id' };
    }
    const reason = `the SMSC answered ${statusName(status)}`;
    if (RETRY_HERE.has(status)) {
      metrics.carrierThrottles.inc({ carrier: 'smpp' });
      lastReason = reason;
      const delay = backoffDelay(attempt - 1, flow.retry);
      flow.logger.debug({ attempt, delay }, `SMPP ${reason}; pausing`);
      flow.pace.pause(delay);
      continue;
    }
    return { ok: false, permanent: !TEMPORARY.has(status), reason };
  }
  return {
    ok: false,
    permanent: false,
    reason: `${lastReason} (gave up after ${flow.maxAttempts} attempts)`,
  };
}
