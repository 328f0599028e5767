// Which addresses a customer's webhook may reach. Unless the operator sets
// WEBHOOK_PRIVATE_ADDRESSES=allow, a URL must not lead the server into the operator's own
// network: no loopback, private, carrier-grade NAT, link-local (cloud metadata at
// 169.254.169.254), unique-local, multicast, documentation or reserved address, and no IPv6 form
// that carries an IPv4 address inside it (mapped, compatible, translated; NAT64 and 6to4 are
// judged by the IPv4 address they carry). Addresses written in the URL are refused when it is
// saved; a host name is resolved at every delivery, every address it gives is checked, and the
// connection goes to one of exactly those addresses (never to a second lookup's answer), so a
// name that later resolves elsewhere (DNS rebinding) gains nothing.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ipv4At, ipv6Bytes } from '../../http/ip.js';

// Two lists: Node compares an IPv4 address with IPv6 rules as if it were IPv4-mapped, which
// the rule refusing every mapped address would then catch.
const NOT_PUBLIC_V4 = new BlockList();
const NOT_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // Unspecified, loopback, and the deprecated IPv4-compatible form ::a.b.c.d.
  ['::', 96],
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d).
  ['::ffff:0:0', 96],
  ['::ffff:0:0:0', 96],
  // NAT64 for local use; the well-known prefix 64:ff9b::/96 is judged by what it carries.
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // IETF protocol assignments, Teredo included.
  ['2001::', 23],
  ['2001:db8::', 32],
  ['3fff::', 20],
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address, else null. */
function carriedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const nat64 =
    b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0);
  if (nat64) return ipv4At(b, 12);
  if (b[0] === 0x20 && b[1] === 0x02) return ipv4At(b, 2);
  return null;
}

/** Whether an IP address (v4 or v6) is on the public internet. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !NOT_PUBLIC_V4.check(address, 'ipv4');
  if (NOT_PUBLIC_V6.check(address, 'ipv6')) return false;
  const carried = carriedIpv4(address);
  return carried === null || isPublicAddress(carried);
}

/** The host of a URL as an IP address when it is written as one (brackets removed). */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? null : bare;
}

/**
 * Host names that name the operator's own network whatever DNS says: localhost and its
 * subdomains, names of one label (completed by the server's search domains), and the
 * special-use suffixes for local networks.
 */
export function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return !name.includes('.') || /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|arpa)$/.test(name);
}

/**
 * A delivery refused because of where it would go. For a host name the message is the same
 * whether the name did not resolve or resolved to a non-public address, and never names the
 * address: the customer learns nothing about the operator's network from it.
 */
export class PrivateAddressError extends Error {
  constructor(
    host: string,
    /** True when the URL names the address itself (not a host name). */
    readonly literal: boolean,
  ) {
    super(
      literal
        ? `refused: ${host} is not a public address`
        : `refused: ${host} has no address, or one that is not public`,
    );
    this.name = 'PrivateAddressError';
  }
}

/**
 * Resolves a host name and checks every address it has; throws PrivateAddressError when there
 * is none, or when any of them is not public.
 */
export function resolvePublic(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
      if (error || addresses.length === 0 || addresses.some((a) => !isPublicAddress(a.address))) {
        reject(new PrivateAddressError(hostname, false));
        return;
      }
      resolve(addresses);
    });
  });
}

/**
 * A lookup for http.request that answers with addresses already checked, so the socket
 * connects to one of them and the name is not resolved a second time.
 */
export function checkedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : undefined;
    const usable = family ? addresses.filter((a) => a.family === family) : [...addresses];
    const first = usable[0];
    if (!first) {
      callback(new Error('no checked address of the family asked for'), '', 0);
      return;
    }
    if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
    else callback(null, first.address, first.family);
  };
}
