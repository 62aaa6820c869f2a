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

  it('passes over garbage wherever it sits in the header, and keeps the last trusted hop when nothing real is left', () => {
    const trusted = addressList('10.0.0.0/8, loopback');
    // Garbage between trusted hops is skipped; the walk goes on to the real client.
    expect(clientIp(request('10.0.0.1', '1.2.3.4, garbage, 10.0.0.5'), trusted)).toBe('1.2.3.4');
    // Garbage left of every real address: the left-most real one is all there is.
    expect(clientIp(request('10.0.0.1', 'garbage, 10.0.0.5'), trusted)).toBe('10.0.0.5');
    expect(clientIp(request('127.0.0.1', 'garbage'), trusted)).toBe('127.0.0.1');
    // Tabs and empty entries are no addresses either.
    expect(clientIp(request('127.0.0.1', ' ,\t203.0.113.9 ,, '), trusted)).toBe('203.0.113.9');
  });

  it('reads a header sent several times as one list, and knows no address without a socket', () => {
    const trusted = addressList('loopback');
    expect(clientIp({ socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': ['9.9.9.9', '203.0.113.9'] } }, trusted)).toBe('203.0.113.9');
    expect(clientIp({ headers: { 'x-forwarded-for': '203.0.113.9' } }, trusted)).toBeUndefined();
  });
});
