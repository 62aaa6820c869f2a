import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { config } from './config';

/** The header the gateway sets to the caller's address for the subgraphs (and trusts only from known proxies). */
export const FORWARDED_FOR_HEADER = 'x-forwarded-for';
/** The caller's User-Agent, forwarded by the gateway (its own request to a subgraph has its own agent). */
export const CLIENT_USER_AGENT_HEADER = 'x-client-user-agent';

/** `::ffff:127.0.0.1` and `127.0.0.1` are one caller; compare and store the plain form. */
export function normalizeIp(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const plain = mapped ? mapped[1] : trimmed;
  return isIP(plain) ? plain : undefined;
}

/**
 * A list of addresses and CIDR ranges ("10.0.0.0/8, 127.0.0.1"); "loopback" stands for the
 * local addresses. Unparseable entries are ignored rather than trusted.
 */
export function addressList(spec: string | undefined): BlockList {
  const list = new BlockList();
  for (const raw of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (raw === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address, bits] = raw.split('/');
    const family = isIP(address);
    if (family === 0) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else if (/^\d+$/.test(bits)) list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function listed(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Which proxies in front of the gateway may tell it the client's address (TRUSTED_PROXIES).
 * None by default: the gateway is the edge and believes only the socket.
 */
export function trustedProxies(): BlockList {
  return addressList(config().TRUSTED_PROXIES);
}

/**
 * Which hops a subgraph believes when they say who the client is (TRUSTED_GATEWAYS, default
 * the local addresses where the gateway runs beside the subgraphs). Subgraphs are not public.
 */
export function trustedGateways(): BlockList {
  return addressList(config().TRUSTED_GATEWAYS);
}

/**
 * proxy-addr's trust function for a list: whether the hop at an address may tell who is behind
 * it. An entry that is no address at all is passed over (as if absent), so garbage in the header
 * neither ends the walk nor becomes the answer. Made once per list.
 */
const trustFunctions = new WeakMap<BlockList, (address: string) => boolean>();
function trustOf(trusted: BlockList): (address: string) => boolean {
  let trust = trustFunctions.get(trusted);
  if (!trust) {
    trust = (address) => {
      const plain = normalizeIp(address);
      return plain === undefined || listed(trusted, plain);
    };
    trustFunctions.set(trusted, trust);
  }
  return trust;
}

/**
 * The client's address: the socket peer, or — while the hop we are looking at is trusted —
 * the next address to the left in X-Forwarded-For (proxy-addr walks the header). An untrusted
 * hop's claims are ignored, so a client cannot choose its own address by sending the header.
 */
export function clientIp(
  req: Pick<IncomingMessage, 'headers'> & { socket?: { remoteAddress?: string } },
  trusted: BlockList,
): string | undefined {
  const peer = normalizeIp(req.socket?.remoteAddress);
  const header = req.headers[FORWARDED_FOR_HEADER];
  // Most callers send no such header: nothing to weigh, and no address-list lookup to pay for.
  if (header === undefined || peer === undefined) return peer;
  // proxy-addr reads the socket's address and the header's, right to left, up to the first
  // untrusted hop; the answer is the last real address among them.
  const from = Array.isArray(header) ? { headers: { [FORWARDED_FOR_HEADER]: header.join(',') }, socket: req.socket } : req;
  const hops = proxyaddr.all(from as IncomingMessage, trustOf(trusted));
  for (let i = hops.length - 1; i > 0; i--) {
    const address = normalizeIp(hops[i]);
    if (address !== undefined) return address;
  }
  return peer;
}
