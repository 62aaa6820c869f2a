import ipaddr from 'ipaddr.js';
import { DomainError } from '@tradegraph/shared/domain';

/**
 * Where a webhook may be sent (README, "Webhooks", SSRF). A webhook URL is chosen by a user and
 * requested by our servers, so without rules it would let anyone make the exchange's network
 * call its own internal services (Postgres, Redis, cloud metadata at 169.254.169.254, …). In
 * production:
 * - only `https` URLs;
 * - every address the host resolves to must be a public unicast address: no private, loopback,
 *   link-local, unique-local, CGNAT, multicast, unspecified, broadcast, reserved or
 *   documentation ranges, nor IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4,
 *   Teredo). The check runs when the endpoint is made and again on every connection, on the
 *   address the connection then uses (infra/webhook-sender.ts), so a DNS answer that changes
 *   later (rebinding) cannot reach inside.
 * Outside production, `http` is allowed and private targets too (unless configured otherwise),
 * so a developer can receive on localhost.
 */

export interface TargetRules {
  /** `https` only (production). */
  httpsOnly: boolean;
  /** Private, loopback and other non-public addresses allowed (WEBHOOK_ALLOW_PRIVATE_TARGETS). */
  allowPrivate: boolean;
}

export const MAX_URL_LENGTH = 2048;

/** Ranges ipaddr.js does not name but that are not the public internet either. */
const EXTRA_REFUSED = [ipaddr.parseCIDR('198.18.0.0/15'), ipaddr.parseCIDR('fec0::/10'), ipaddr.parseCIDR('100::/64')];

/** Whether `address` (an IP literal) is a public unicast address. Unparsable counts as not. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return false;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
  const parsed = ipaddr.process(bare);
  if (parsed.range() !== 'unicast') return false;
  return !EXTRA_REFUSED.some(([range, bits]) => range.kind() === parsed.kind() && (parsed as ipaddr.IPv4).match(range as ipaddr.IPv4, bits));
}

/** Whether `host` (a URL's hostname) is an IP literal rather than a name. */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host.replace(/^\[|\]$/g, ''));
}

const refuse = (message: string) => new DomainError('BAD_USER_INPUT', message, { field: 'url' });

/**
 * Checks a webhook URL's form: absolute http(s), no credentials in it, and in production https
 * with a host that is not an IP literal outside the public internet. Returns the URL as it
 * will be requested. Names are resolved and checked by the caller (`checkResolvedAddresses`).
 */
export function parseWebhookUrl(raw: string, rules: TargetRules): URL {
  const text = raw.trim();
  if (text.length === 0 || text.length > MAX_URL_LENGTH) throw refuse(`The URL must be 1 to ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('The URL is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('The URL must start with https://');
  if (rules.httpsOnly && url.protocol !== 'https:') throw refuse('Webhook URLs must use https');
  if (url.username || url.password) throw refuse('The URL must not contain a user name or password');
  if (!url.hostname) throw refuse('The URL has no host');
  url.hash = '';
  if (!rules.allowPrivate && isIpLiteral(url.hostname) && !isPublicAddress(url.hostname)) {
    throw refuse('The URL points to a private, loopback or otherwise non-public address');
  }
  return url;
}

/** Refuses a host whose resolved addresses include a non-public one (when private targets are not allowed). */
export function checkResolvedAddresses(host: string, addresses: readonly string[], rules: TargetRules): void {
  if (addresses.length === 0) throw refuse(`The host ${host} does not resolve to any address`);
  if (rules.allowPrivate) return;
  const inside = addresses.find((address) => !isPublicAddress(address));
  if (inside !== undefined) throw refuse(`The host ${host} resolves to a private, loopback or otherwise non-public address (${inside})`);
}
