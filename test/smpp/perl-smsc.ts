// Drives smsc.pl (an SMSC on Net::SMPP) for the tests: starts it, reads its events, sends it
// commands, kills it (SIGKILL) and starts it again on the same port. Its events are kept across
// restarts, so a test sees everything every incarnation received and answered.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./smsc.pl', import.meta.url));

/** A submit_sm as the SMSC read and answered it. */
export interface WireSubmit {
  event: 'submit_sm';
  at: number;
  /** Which start of the SMSC received it (0, then 1 after a restart…). */
  incarnation: number;
  source_addr: string;
  source_addr_ton: number;
  destination_addr: string;
  esm_class: number;
  data_coding: number;
  registered_delivery: number;
  /** The short_message as received, in hex. */
  short_message: string;
  udh: { reference: number; total: number; sequence: number } | null;
  /** The text as the SMSC decoded it (null: a data_coding it does not read). */
  text: string | null;
  /** 0: accepted (message_id given); 0x58: throttled; 'crashed': received, then the SMSC died. */
  status: number | 'crashed';
  message_id?: string;
}

interface SmscEvent {
  event: string;
  at: number;
  incarnation: number;
  [field: string]: unknown;
}

export interface PerlSmscOptions {
  systemId?: string;
  password?: string;
  /** The SMSC unpacks GSM 03.38 septets (as an SMSC configured for packed GSM would). */
  gsmPacked?: boolean;
}

/** Why the SMSC cannot run here, or null when perl with Net::SMPP is installed. */
export function perlSmscMissing(): string | null {
  const probe = spawnSync('perl', ['-MNet::SMPP', '-MJSON::PP', '-MEncode::GSM0338', '-e', '1'], {
    encoding: 'utf8',
  });
  if (probe.error) return `perl is not installed (${probe.error.message})`;
  if (probe.status !== 0) {
    return `perl cannot load Net::SMPP (apt-get install libnet-smpp-perl): ${probe.stderr.trim().split('\n')[0]}`;
  }
  return null;
}

export class PerlSmsc {
  readonly events: SmscEvent[] = [];
  port = 0;
  private child: ChildProcess | undefined;
  private incarnation = -1;
  private tags = 0;
  private waiters: (() => void)[] = [];
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';

  constructor(private readonly options: PerlSmscOptions = {}) {}

  /** Starts the SMSC (on `port`, or a free one the first time). */
  async start(port = this.port): Promise<this> {
    const firstId = 1000 * (this.incarnation + 2);
    const args = [
      SCRIPT,
      '--port',
      String(port),
      '--system-id',
      this.options.systemId ?? 'tollgate',
      '--password',
      this.options.password ?? 'secret',
      '--first-id',
      String(firstId),
      ...(this.options.gsmPacked ? ['--gsm-packed'] : []),
    ];
    const child = spawn('perl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.incarnation++;
    const incarnation = this.incarnation;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (line.trim() === '') continue;
        this.events.push({ ...(JSON.parse(line) as SmscEvent), incarnation });
        for (const wake of this.waiters.splice(0)) wake();
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    const listening = await this.until(
      (e) => e.event === 'listening' && e.incarnation === incarnation,
      10_000,
      'the SMSC to listen',
    );
    this.port = Number(listening.port);
    return this;
  }

  /** Every submit_sm received so far, by every incarnation. */
  get submits(): WireSubmit[] {
    return this.events.filter((e): e is SmscEvent & WireSubmit => e.event === 'submit_sm');
  }

  /** The submit_sm the SMSC accepted (and so bills the operator for). */
  get accepted(): WireSubmit[] {
    return this.submits.filter((s) => s.status === 0);
  }

  /** Sends a command and resolves once the SMSC has put it in force. */
  async command(command: Record<string, unknown>): Promise<void> {
    const tag = ++this.tags;
    this.child?.stdin?.write(`${JSON.stringify({ ...command, tag })}\n`);
    await this.until((e) => e.event === 'done' && e.tag === tag, 10_000, `the SMSC to do ${command.cmd}`);
  }

  /** A delivery receipt for a message id the SMSC gave, and the carrier's deliver_sm_resp. */
  async receipt(
    id: string,
    stat: string,
    how: { form?: 'text' | 'tlv'; err?: string; decimal?: boolean } = {},
  ): Promise<void> {
    const before = this.events.length;
    await this.command({ cmd: 'receipt', id, stat, form: how.form ?? 'text', ...how });
    const sent = this.events.slice(before).find((e) => e.event === 'deliver_sm' && e.id === id);
    await this.until(
      (e) => e.event === 'deliver_sm_resp' && e.seq === sent?.seq && e.incarnation === this.incarnation,
      10_000,
      `the deliver_sm_resp for ${id}`,
    );
  }

  /** The first event (of any incarnation) matching, waiting for it if need be. */
  async until(match: (e: SmscEvent) => boolean, timeoutMs = 10_000, what = 'an event'): Promise<SmscEvent> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; SMSC stderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves when the current incarnation has exited (killed, or crashed on a command). */
  async gone(): Promise<void> {
    await this.exited;
  }

  /** kill -9, as a crash or an operator would. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async close(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) await this.kill();
  }
}

/** The GSM 03.38 septets of characters whose code is their ASCII one (letters, digits, space). */
export function asciiSeptets(text: string): string {
  if (!/^[A-Za-z0-9 ]*$/.test(text)) throw new Error(`not plain ASCII letters and digits: ${text}`);
  return Buffer.from(text, 'ascii').toString('hex');
}

/** UTF-16BE, as data_coding 8 carries it. */
export function ucs2Hex(text: string): string {
  return Buffer.from(text, 'utf16le').swap16().toString('hex');
}

/** The concatenation header of part `sequence` of `total`. */
export function udhHex(reference: number, total: number, sequence: number): string {
  return Buffer.from([5, 0, 3, reference, total, sequence]).toString('hex');
}
