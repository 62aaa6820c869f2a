import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// The installation's internal credential when INTERNAL_API_TOKEN is not set: made once in
// DATA_DIR, and the same for every process of `npm start`, even when they all start at once.
const run = promisify(execFile);
// The built module (npm test builds first), so each process is plain node.
const BUILT = path.resolve(__dirname, '..', 'dist', 'internal-token.js');

/** What a fresh process (as each of `npm start`'s is) reads as the token, with `env`. */
async function tokenInProcess(env: NodeJS.ProcessEnv): Promise<string> {
  const script = `process.stdout.write(require(${JSON.stringify(BUILT)}).internalApiToken())`;
  const { stdout } = await run(process.execPath, ['-e', script], { env });
  return stdout;
}

describe('internal API token', () => {
  let dataDir: string;
  const baseEnv = () => {
    const env = { ...process.env, DATA_DIR: dataDir };
    delete env.INTERNAL_API_TOKEN;
    return env;
  };

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tradegraph-token-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is made once per installation, readable by its owner only, and every process starting at once agrees on it', async () => {
    const tokens = await Promise.all(Array.from({ length: 6 }, () => tokenInProcess(baseEnv())));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0].length).toBeGreaterThanOrEqual(40);
    const file = path.join(dataDir, 'internal-api-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A later start reads the same one.
    expect(await tokenInProcess(baseEnv())).toBe(tokens[0]);
  });

  it('INTERNAL_API_TOKEN wins and nothing is written', async () => {
    expect(await tokenInProcess({ ...baseEnv(), INTERNAL_API_TOKEN: 'configured-token-of-this-deployment' })).toBe(
      'configured-token-of-this-deployment',
    );
    expect(() => statSync(path.join(dataDir, 'internal-api-token'))).toThrow();
  });

  it('accepts exactly the token (constant-time comparison; any other value or none is refused)', async () => {
    const before = process.env.INTERNAL_API_TOKEN;
    process.env.INTERNAL_API_TOKEN = 'the-token-of-this-test-process-0123456789';
    jest.resetModules();
    const { isInternalCaller, isOpenSubgraphPath } = await import('../src/internal-token');
    expect(isInternalCaller({ 'x-internal-token': 'the-token-of-this-test-process-0123456789' })).toBe(true);
    for (const given of [undefined, '', 'the-token-of-this-test-process-012345678', 'the-token-of-this-test-process-0123456789x']) {
      expect(isInternalCaller(given === undefined ? {} : { 'x-internal-token': given })).toBe(false);
    }
    expect(isOpenSubgraphPath('/health')).toBe(true);
    expect(isOpenSubgraphPath('/metrics?x=1')).toBe(true);
    expect(isOpenSubgraphPath('/graphql')).toBe(false);
    expect(isOpenSubgraphPath('/internal/trades')).toBe(false);
    expect(isOpenSubgraphPath('/health/../graphql')).toBe(false);
    if (before === undefined) delete process.env.INTERNAL_API_TOKEN;
    else process.env.INTERNAL_API_TOKEN = before;
  });
});
