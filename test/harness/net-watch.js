// Preloaded into a process (`node -r`) by a test: writes a `NET-WATCH <host>` line to stderr for
// every connection or name lookup that leaves the loopback addresses, so the test can tell that
// a process talks to nothing outside this machine's own services.
const net = require('node:net');
const dns = require('node:dns');

const loopback = (host) => /^(127\.|::1$|localhost\.?$|0\.0\.0\.0$)/.test(String(host));
const report = (host) => process.stderr.write(`NET-WATCH ${host}\n`);

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : { host: args[1] };
  if (options.host !== undefined && !options.path && !loopback(options.host)) report(options.host);
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (!loopback(host)) report(host);
  return lookup.call(this, host, ...rest);
};
