import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, VARIABLES, loadConfig, portOf, subgraphUrl } from '../src/config';
import { PORT_OFFSETS, SUBGRAPH_NAMES } from '../src/contracts/processes';

/** The variable names in the first column of the README's table of environment variables. */
function readmeVariables(): Set<string> {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| variable | default | meaning |'));
  const rows = table.split('\n').slice(2);
  const names = new Set<string>();
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const firstCell = row.split('|')[1];
    for (const [, name] of firstCell.matchAll(/`([A-Z0-9_<>]+)`/g)) {
      if (name.includes('<NAME>_PORT')) for (const process of Object.keys(PORT_OFFSETS)) names.add(name.replace('<NAME>', process.toUpperCase()));
      else if (name.includes('<NAME>')) for (const subgraph of SUBGRAPH_NAMES) names.add(name.replace('<NAME>', subgraph.toUpperCase()));
      else if (name.includes('<KIND>')) for (const kind of ['LOGIN', 'TWO_FACTOR', 'SIWE']) names.add(name.replace('<KIND>', kind));
      else names.add(name);
    }
  }
  return names;
}

describe('configuration', () => {
  it('documents in the README exactly the variables the code reads', () => {
    const documented = readmeVariables();
    const declared = new Set(Object.entries(VARIABLES).filter(([, variable]) => !('internal' in variable)).map(([name]) => name));
    expect([...declared].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !declared.has(name))).toEqual([]);
  });

  it('applies defaults, treating empty values as unset', () => {
    const settings = loadConfig({ PORT_BASE: '', SHUTDOWN_TIMEOUT_MS: '' });
    expect(settings.PORT_BASE).toBe(4000);
    expect(settings.SHUTDOWN_TIMEOUT_MS).toBe(20_000);
    expect(settings.QUERY_MAX_DEPTH).toBe(15);
    expect(settings.DATABASE_URL).toBeUndefined();
    expect(portOf('matching', settings)).toBe(4006);
    expect(subgraphUrl('markets', loadConfig({ PORT_BASE: '5000' }))).toBe('http://127.0.0.1:5002/graphql');
    expect(portOf('gateway', loadConfig({ GATEWAY_PORT: '8080' }))).toBe(8080);
  });

  it('refuses a bad value at start, naming every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ QUERY_MAX_DEPTH: 'deep', SHUTDOWN_TIMEOUT_MS: '50', PRICE_FEED: 'bloomberg', ACCOUNTS_PORT: '70000' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/QUERY_MAX_DEPTH/);
    expect(problems).toMatch(/SHUTDOWN_TIMEOUT_MS must be at least 100/);
    expect(problems).toMatch(/PRICE_FEED must be one of simulated, replay, binance, off/);
    expect(problems).toMatch(/ACCOUNTS_PORT/);
  });

  it.each(['NaN', '1.5', '-3', '0', 'ten'])('refuses %s for a limit that must be a positive whole number', (value) => {
    expect(() => loadConfig({ RATE_LIMIT_REQUESTS_PER_MINUTE: value })).toThrow(/RATE_LIMIT_REQUESTS_PER_MINUTE/);
  });

  it('reads on/off switches, leaving unset ones to the code', () => {
    expect(loadConfig({ RATE_LIMITS: 'off' }).RATE_LIMITS).toBe(false);
    expect(loadConfig({ RATE_LIMITS: ' ON ' }).RATE_LIMITS).toBe(true);
    expect(loadConfig({}).RATE_LIMITS).toBeUndefined();
    expect(() => loadConfig({ INTROSPECTION: 'maybe' })).toThrow(/INTROSPECTION must be on or off/);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });
});

describe('CHAINS', () => {
  it('defaults to the two local chains on ports from PORT_BASE, and `none` to no chain', async () => {
    const { chainsOf, usesDevnetChains } = await import('../src/config/chains');
    const settings = loadConfig({ PORT_BASE: '7000' });
    expect(usesDevnetChains(settings)).toBe(true);
    expect(chainsOf(settings).map((c) => [c.name, c.chainId, c.rpcUrl, c.confirmations])).toEqual([
      ['ethereum', 31337, 'http://127.0.0.1:7545', 3],
      ['arbitrum', 412346, 'http://127.0.0.1:7546', 2],
    ]);
    expect(chainsOf(loadConfig({ CHAINS: 'none' }))).toEqual([]);
  });

  it('takes a JSON list, and refuses a bad one naming what is wrong', () => {
    const chain = {
      name: 'base',
      chainId: 8453,
      rpcUrl: 'https://rpc.example.com',
      confirmations: 10,
      native: { symbol: 'ETH', decimals: 18, minimum: '0.001' },
      tokens: [{ symbol: 'USDC', decimals: 6, minimum: '1', address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' }],
    };
    expect(loadConfig({ CHAINS: JSON.stringify([chain]) }).CHAINS).toEqual([chain]);
    expect(() => loadConfig({ CHAINS: '[{' })).toThrow(/CHAINS must be JSON/);
    expect(() => loadConfig({ CHAINS: JSON.stringify([{ ...chain, confirmations: 0 }]) })).toThrow(/CHAINS 0\.confirmations/);
    expect(() => loadConfig({ CHAINS: JSON.stringify([{ ...chain, tokens: [{ ...chain.tokens[0], address: '0x12' }] }]) })).toThrow(/tokens\.0\.address/);
    expect(() => loadConfig({ CHAINS: JSON.stringify([chain, chain]) })).toThrow(/chain names must differ/);
  });
});
