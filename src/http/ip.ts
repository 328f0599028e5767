// IP addresses as bytes: what the webhook address checks and the login throttle need to look
// inside an IPv6 address (an IPv4 address it carries, the /64 network it belongs to).
import { isIP } from 'node:net';

/** The 16 bytes of an IPv6 address (a trailing dotted IPv4 part allowed, a zone ignored), or null. */
export function ipv6Bytes(address: string): Uint8Array | null {
  if (isIP(address) !== 6) return null;
  let text = address.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The dotted IPv4 address made of four bytes of `bytes` from `at`. */
export function ipv4At(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.slice(at, at + 4)).join('.');
}
