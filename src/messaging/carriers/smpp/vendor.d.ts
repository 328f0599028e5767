// Types for the parts of the `smpp` package (0.5.x: CommonJS, no types of its own) that
// lib.ts uses. Only lib.ts imports 'smpp'; the rest of the folder goes through lib.ts.
declare module 'smpp' {
  import type { Server as NetServer, Socket } from 'node:net';

  /** short_message as sent (a Buffer is written as is) or as decoded by the package. */
  export type ShortMessage = Buffer | string | { udh?: Buffer[]; message: string | Buffer };

  /** The header of every PDU and the fields of the commands Tollgate sends or reads. */
  export interface PduFields {
    command_status?: number;
    sequence_number?: number;
    system_id?: string;
    password?: string;
    system_type?: string;
    interface_version?: number;
    service_type?: string;
    source_addr_ton?: number;
    source_addr_npi?: number;
    source_addr?: string;
    dest_addr_ton?: number;
    dest_addr_npi?: number;
    destination_addr?: string;
    esm_class?: number;
    registered_delivery?: number;
    data_coding?: number | null;
    short_message?: ShortMessage;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
  }

  export interface PDU extends PduFields {
    readonly command: string;
    readonly command_id: number;
    command_status: number;
    sequence_number: number;
    isResponse(): boolean;
    /** The matching *_resp (generic_nack for an unknown command), same sequence number. */
    response(options?: PduFields): PDU;
  }

  export interface Session {
    readonly socket: Socket;
    /** False when the socket is no longer writable (nothing was sent). */
    send(pdu: PDU, responseCallback?: (response: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    on(event: 'pdu', listener: (pdu: PDU) => void): this;
    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }

  export interface Server extends NetServer {
    readonly sessions: Session[];
  }

  export interface SmppModule {
    connect(options: { host: string; port: number }): Session;
    createServer(options: Record<string, never>, listener: (session: Session) => void): Server;
    PDU: new (command: string, options?: PduFields) => PDU;
    /** ESME_R… names to command_status codes. */
    errors: Readonly<Record<string, number>>;
  }

  const smpp: SmppModule;
  export default smpp;
}
