// The one door to the `smpp` package (typed in vendor.d.ts): connecting, PDUs, a test server,
// and the SMPP 3.4 numbers this folder uses. Nothing outside carriers/smpp imports it.
import smpp, { type PDU, type PduFields, type Server, type Session } from 'smpp';

export type { PDU, PduFields, Server, Session };

export function connectSession(host: string, port: number): Session {
  return smpp.connect({ host, port });
}

/** An SMPP server (SMSC side); the tests run one, the product never does. */
export function createSmppServer(onSession: (session: Session) => void): Server {
  return smpp.createServer({}, onSession);
}

export function pdu(command: string, fields: PduFields = {}): PDU {
  return new smpp.PDU(command, fields);
}

/** command_status values Tollgate treats specially (SMPP 3.4, 5.1.3). */
export const STATUS = {
  OK: 0x00,
  INVCMDID: 0x03,
  INVBNDSTS: 0x04,
  SYSERR: 0x08,
  INVDSTADR: 0x0b,
  INVPASWD: 0x0e,
  MSGQFUL: 0x14,
  THROTTLED: 0x58,
  X_T_APPN: 0x64,
} as const;

export const SMPP_3_4 = 0x34;
export const ESM_UDHI = 0x40;
/** esm_class bits 5..2: the message type; 0b0001 is an SMSC delivery receipt. */
export const ESM_TYPE_MASK = 0x3c;
export const ESM_DELIVERY_RECEIPT = 0x04;
export const DATA_CODING_LATIN1 = 0x03;
export const DATA_CODING_UCS2 = 0x08;
export const TON_INTERNATIONAL = 0x01;
export const TON_NETWORK_SPECIFIC = 0x03;
export const TON_ALPHANUMERIC = 0x05;
export const NPI_UNKNOWN = 0x00;
export const NPI_ISDN = 0x01;

const names = new Map<number, string>();
for (const [name, code] of Object.entries(smpp.errors)) if (!names.has(code)) names.set(code, name);

/** "ESME_RTHROTTLED (0x58)", for logs and reasons. */
export function statusName(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  const name = names.get(code);
  return name ? `${name} (${hex})` : `status ${hex}`;
}
