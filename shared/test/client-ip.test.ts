import { addressList, clientIp, normalizeIp } from '../src/client-ip';

const request = (remoteAddress: string, forwardedFor?: string) => ({
  socket: { remoteAddress },
  headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
});

describe('clientIp', () => {
  it('believes only the socket when no proxy is trusted', () => {
    expect(clientIp(request('198.51.100.7', '203.0.113.9'), addressList(undefined))).toBe('198.51.100.7');
  });

  it('takes the forwarded address from a trusted hop, walking right to left past trusted proxies', () => {
    const trusted = addressList('10.0.0.0/8, loopback');
    expect(clientIp(request('10.1.2.3', '203.0.113.9'), trusted)).toBe('203.0.113.9');
    // A client that prepends its own claim gains nothing: the right-most untrusted address wins.
    expect(clientIp(request('127.0.0.1', '1.2.3.4, 203.0.113.9, 10.0.0.5'), trusted)).toBe('203.0.113.9');
    // Every hop trusted and the header used up: the left-most claim is all there is.
    expect(clientIp(request('::1', '10.0.0.5'), trusted)).toBe('10.0.0.5');
  });

  it('ignores garbage in the header and normalizes IPv4-mapped IPv6', () => {
    const trusted = addressList('loopback');
    expect(clientIp(request('::ffff:127.0.0.1', 'not-an-ip, 203.0.113.9'), trusted)).toBe('203.0.113.9');
    expect(clientIp(request('::ffff:192.0.2.1'), trusted)).toBe('192.0.2.1');
    expect(normalizeIp('garbage')).toBeUndefined();
  });

  it('ignores unparseable entries of the trusted list instead of trusting everyone', () => {
    const trusted = addressList('nonsense, 10.0.0.0/abc, ');
    expect(clientIp(request('10.0.0.1', '203.0.113.9'), trusted)).toBe('10.0.0.1');
  });
});
