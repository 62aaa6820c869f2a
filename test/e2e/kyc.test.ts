import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gql, signUp, sql, type TestUser } from '../harness/client';
import { DATABASE_URL, ownSystem, REDIS_URL } from '../harness/env';
import { rootAdmin, userWithRoles } from '../harness/roles';

const { freshDatabase, waitForHealth, withDatabase, ROOT } = require('../harness/system');

const code = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;

/** A real (tiny) PNG: the scan the tests submit. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-scan-of-a-passport-page')]);

const input = (overrides: Record<string, unknown> = {}) => ({
  level: 1,
  fullName: 'Ada Lovelace',
  dateOfBirth: '1990-12-10',
  country: 'GB',
  documentType: 'passport',
  documentNumber: `P${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
  documentImage: PNG.toString('base64'),
  ...overrides,
});

const SUBMIT = `mutation ($input: KycSubmissionInput!) {
  submitKyc(input: $input) { status level requestedLevel submittedAt reviewedAt rejectionReason }
}`;
const MY_KYC =
  '{ me { kyc { status level requestedLevel rejectionReason personalData { fullName dateOfBirth country address documentType documentNumber documentImage documentImageType } } } }';
const USER_KYC = `query ($id: ID!) { user(id: $id) { kyc { status level personalData { fullName documentNumber } } } }`;
const REVIEW = `mutation ($userId: ID!, $decision: KycDecision!, $level: Int, $reason: String) {
  reviewKyc(userId: $userId, decision: $decision, level: $level, reason: $reason) { status level rejectionReason reviewedAt }
}`;

describe('KYC', () => {
  it('approves a level 1 submission by the local rules, shows the data only to the owner, and stores none of it in the clear', async () => {
    const user = await signUp();
    expect((await gql('{ me { kyc { status level personalData { fullName } } } }', {}, { token: user.token })).data.me.kyc).toEqual({
      status: 'none',
      level: 0,
      personalData: null,
    });
    const submitted = input({ address: '12 St James Square, London' });
    const result = await gql(SUBMIT, { input: submitted }, { token: user.token });
    expect(result.errors).toBeUndefined();
    expect(result.data.submitKyc).toMatchObject({ status: 'approved', level: 1, requestedLevel: 1, rejectionReason: null });

    const mine = await gql(MY_KYC, {}, { token: user.token });
    expect(mine.data.me.kyc.personalData).toEqual({
      fullName: submitted.fullName,
      dateOfBirth: submitted.dateOfBirth,
      country: 'GB',
      address: submitted.address,
      documentType: 'passport',
      documentNumber: submitted.documentNumber,
      documentImage: submitted.documentImage,
      documentImageType: 'image/png',
    });

    // At rest: a sealed blob under a key id, with none of the plaintext in it.
    const [row] = await sql('select pii, pii_key_id, status, level from accounts.kyc where user_id = $1', [user.id]);
    expect(row).toMatchObject({ pii_key_id: 'dev', status: 'approved', level: 1 });
    const blob: Buffer = row.pii;
    for (const plain of [submitted.fullName, submitted.documentNumber, submitted.dateOfBirth, submitted.address, 'London', 'passport']) {
      expect(blob.includes(Buffer.from(plain, 'utf8'))).toBe(false);
      expect(blob.toString('latin1').toLowerCase()).not.toContain(String(plain).toLowerCase());
    }
    expect(blob.includes(PNG)).toBe(false);
    expect(blob.includes(Buffer.from(submitted.documentImage))).toBe(false);
    // Nothing else in the accounts schema holds it either.
    const text = await sql(`select count(*)::int as n from accounts.kyc where pii::text ilike $1`, [`%${submitted.documentNumber}%`]);
    expect(text[0].n).toBe(0);
  });

  it('lets nobody but the owner and admins read personal data; support sees the status only', async () => {
    const owner = await signUp();
    expect((await gql(SUBMIT, { input: input() }, { token: owner.token })).errors).toBeUndefined();
    const other = await signUp();
    const support = await userWithRoles(['support']);
    const admin = await rootAdmin();

    // Another user: no path to it through the gateway.
    expect(code(await gql(USER_KYC, { id: owner.id }, { token: other.token }))).toBe('FORBIDDEN');
    expect(code(await gql(USER_KYC, { id: owner.id }))).toBe('UNAUTHENTICATED');
    // Support: status yes, personal data no.
    const bySupport = await gql(`query ($id: ID!) { user(id: $id) { kyc { status level } } }`, { id: owner.id }, { token: support.token });
    expect(bySupport.data.user.kyc).toEqual({ status: 'approved', level: 1 });
    const supportPii = await gql(USER_KYC, { id: owner.id }, { token: support.token });
    expect(code(supportPii)).toBe('FORBIDDEN');
    expect(supportPii.data?.user?.kyc?.personalData ?? null).toBeNull();
    // Admin: everything.
    const byAdmin = await gql(USER_KYC, { id: owner.id }, { token: admin.token });
    expect(byAdmin.errors).toBeUndefined();
    expect(byAdmin.data.user.kyc.personalData.fullName).toBe('Ada Lovelace');
  });

  it('leaves a TEST-REVIEW document pending for an admin, who approves it; the decision is audited', async () => {
    const user = await signUp();
    const pending = await gql(
      SUBMIT,
      { input: input({ documentNumber: `TEST-REVIEW-${randomUUID().slice(0, 8)}` }) },
      { token: user.token },
    );
    expect(pending.data.submitKyc).toMatchObject({ status: 'pending', level: 0, requestedLevel: 1, reviewedAt: null });
    // One submission under review at a time.
    expect(code(await gql(SUBMIT, { input: input() }, { token: user.token }))).toBe('CONFLICT');
    // Only admins decide.
    expect(code(await gql(REVIEW, { userId: user.id, decision: 'approved' }, { token: user.token }))).toBe('FORBIDDEN');
    const support = await userWithRoles(['support']);
    expect(code(await gql(REVIEW, { userId: user.id, decision: 'approved' }, { token: support.token }))).toBe('FORBIDDEN');

    const admin = await userWithRoles(['admin'], 'admin');
    // Admins find the submissions waiting for them.
    const queue = async (kycStatus: string) =>
      (
        await gql(
          'query ($s: KycStatus) { users(kycStatus: $s, first: 200) { edges { node { id } } } }',
          { s: kycStatus },
          { token: admin.token },
        )
      ).data.users.edges.map((e: any) => e.node.id);
    expect(await queue('pending')).toContain(user.id);
    expect(await queue('approved')).not.toContain(user.id);
    expect(await queue('none')).not.toContain(user.id);
    expect(await queue('none')).toContain(support.id);
    // A rejection needs a reason; bad input changes nothing.
    expect(code(await gql(REVIEW, { userId: user.id, decision: 'rejected' }, { token: admin.token }))).toBe('BAD_USER_INPUT');
    expect(code(await gql(REVIEW, { userId: user.id, decision: 'approved', level: 3 }, { token: admin.token }))).toBe('BAD_USER_INPUT');
    expect((await sql('select status from accounts.kyc where user_id = $1', [user.id]))[0].status).toBe('pending');

    const approved = await gql(REVIEW, { userId: user.id, decision: 'approved', level: 1 }, { token: admin.token });
    expect(approved.errors).toBeUndefined();
    expect(approved.data.reviewKyc).toMatchObject({ status: 'approved', level: 1, rejectionReason: null });
    expect((await gql('{ me { kyc { status level } } }', {}, { token: user.token })).data.me.kyc).toEqual({ status: 'approved', level: 1 });
    expect(await queue('pending')).not.toContain(user.id);
    expect(await queue('approved')).toContain(user.id);

    const audit = await gql(
      'query ($id: String) { auditLog(targetId: $id) { edges { node { actorId action details } } } }',
      { id: user.id },
      { token: admin.token },
    );
    const [entry] = audit.data.auditLog.edges.map((e: any) => e.node);
    expect(entry).toMatchObject({ actorId: admin.id, action: 'review_kyc' });
    expect(JSON.parse(entry.details)).toMatchObject({
      decision: 'approved',
      before: { status: 'pending', level: 0 },
      after: { status: 'approved', level: 1 },
    });
    // The audit log names no personal data.
    expect(entry.details).not.toContain('Ada');
  });

  it('rejects a TEST-REJECT document, takes a new submission, and upgrades to level 2 with an address', async () => {
    const user = await signUp();
    const rejected = await gql(SUBMIT, { input: input({ documentNumber: 'TEST-REJECT-1' }) }, { token: user.token });
    expect(rejected.data.submitKyc).toMatchObject({ status: 'rejected', level: 0 });
    expect(rejected.data.submitKyc.rejectionReason).toBeTruthy();

    expect((await gql(SUBMIT, { input: input() }, { token: user.token })).data.submitKyc).toMatchObject({ status: 'approved', level: 1 });
    expect(code(await gql(SUBMIT, { input: input() }, { token: user.token }))).toBe('CONFLICT');
    expect(code(await gql(SUBMIT, { input: input({ level: 2 }) }, { token: user.token }))).toBe('BAD_USER_INPUT');
    const level2 = await gql(SUBMIT, { input: input({ level: 2, address: 'Rua Augusta 1, São Paulo' }) }, { token: user.token });
    expect(level2.data.submitKyc).toMatchObject({ status: 'approved', level: 2 });
    expect((await gql(MY_KYC, {}, { token: user.token })).data.me.kyc.personalData.address).toBe('Rua Augusta 1, São Paulo');
  });

  it('refuses bad submissions and stores nothing', async () => {
    const user = await signUp();
    for (const bad of [
      { dateOfBirth: new Date().toISOString().slice(0, 10) },
      { country: 'Brazil' },
      { documentImage: Buffer.from('not an image').toString('base64') },
      { documentImage: randomBytes(600 * 1024).toString('base64') },
      { level: 0 },
    ]) {
      expect(code(await gql(SUBMIT, { input: input(bad) }, { token: user.token }))).toBe('BAD_USER_INPUT');
    }
    expect(code(await gql(SUBMIT, { input: input() }))).toBe('UNAUTHENTICATED');
    expect(await sql('select 1 from accounts.kyc where user_id = $1', [user.id])).toEqual([]);
  });
});

/**
 * Key rotation needs processes with different KYC_ENCRYPTION_KEYS, so it runs an accounts
 * process of its own, on a database of its own (re-encryption touches every row; the shared
 * test system's rows stay under its key).
 */
describe('KYC key rotation', () => {
  const { portBase, database } = ownSystem(5100, 'kycrot');
  const port = portBase + 1;
  const url = `http://127.0.0.1:${port}/graphql`;
  const dbUrl = withDatabase(DATABASE_URL, database);
  const logDir = path.join(ROOT, '.data', `e2e-logs-${portBase}`);
  const k1 = `k1:${randomBytes(32).toString('base64')}`;
  const k2 = `k2:${randomBytes(32).toString('base64')}`;
  let child: ChildProcess | undefined;

  const start = async (env: Record<string, string>) => {
    fs.mkdirSync(logDir, { recursive: true });
    const log = fs.openSync(path.join(logDir, 'accounts.log'), 'a');
    const proc = spawn(process.execPath, [path.join(ROOT, 'subgraphs/accounts/dist/index.js')], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        REDIS_URL,
        REDIS_NAMESPACE: database,
        PORT_BASE: String(portBase),
        ADMIN_EMAILS: 'rotation-admin@tradegraph.test',
        ...env,
      },
      stdio: ['ignore', log, log],
    });
    child = proc;
    return proc;
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise((resolve) => {
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    });
  };
  const call = (query: string, variables: Record<string, unknown>, token?: string) => gql(query, variables, { token, url });

  beforeAll(async () => {
    await freshDatabase(DATABASE_URL, database);
  });
  afterEach(stop);

  it('refuses to start in production without configured keys', async () => {
    const proc = await start({ NODE_ENV: 'production', KYC_ENCRYPTION_KEYS: '' });
    const exitCode = await new Promise((resolve) => proc.once('exit', resolve));
    expect(exitCode).not.toBe(0);
    expect(fs.readFileSync(path.join(logDir, 'accounts.log'), 'utf8')).toContain('KYC_ENCRYPTION_KEYS is required in production');
  });

  it('re-encrypts every row under the new key; data stays readable, and the old key can go', async () => {
    const { Client } = await import('pg');
    const query = async (text: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: dbUrl });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    };
    await waitForHealth(`http://127.0.0.1:${port}/health`, await start({ KYC_ENCRYPTION_KEYS: k1 }), 'accounts');
    const signUpHere = async (email: string): Promise<TestUser> => {
      const result = await call(
        'mutation ($e: String!) { signUp(email: $e, password: "correct horse battery staple") { accessToken user { id } } }',
        {
          e: email,
        },
      );
      return { id: result.data.signUp.user.id, email, token: result.data.signUp.accessToken };
    };
    const admin = await signUpHere('rotation-admin@tradegraph.test');
    const users = [await signUpHere(`rot-a-${randomUUID()}@example.com`), await signUpHere(`rot-b-${randomUUID()}@example.com`)];
    const submissions = users.map((_, i) => input({ fullName: `Person Number ${i}` }));
    for (const [i, user] of users.entries()) {
      expect((await call(SUBMIT, { input: submissions[i] }, user.token)).data.submitKyc.status).toBe('approved');
    }
    const before = await query('select user_id, pii_key_id, pii from accounts.kyc');
    expect(before.map((r) => r.pii_key_id)).toEqual(['k1', 'k1']);
    await stop();

    // New key first, old key still listed: old rows read, new rows are sealed with k2.
    await waitForHealth(`http://127.0.0.1:${port}/health`, await start({ KYC_ENCRYPTION_KEYS: `${k2},${k1}` }), 'accounts');
    const readAs = async (user: TestUser) =>
      (await call('{ me { kyc { personalData { fullName documentNumber } } } }', {}, user.token)).data?.me?.kyc?.personalData;
    expect(await readAs(users[0])).toEqual({ fullName: 'Person Number 0', documentNumber: submissions[0].documentNumber });
    expect(code(await call('mutation { reencryptKycData }', {}, users[0].token))).toBe('FORBIDDEN');
    const moved = await call('mutation { reencryptKycData }', {}, admin.token);
    expect(moved.errors).toBeUndefined();
    expect(moved.data.reencryptKycData).toBe(2);
    const after = await query('select user_id, pii_key_id, pii from accounts.kyc');
    expect(after.map((r) => r.pii_key_id)).toEqual(['k2', 'k2']);
    for (const row of after) {
      const old = before.find((r) => r.user_id === row.user_id);
      expect(Buffer.compare(row.pii, old.pii)).not.toBe(0);
    }
    // Nothing left under k1: a second run moves nothing. The rotation is audited.
    expect((await call('mutation { reencryptKycData }', {}, admin.token)).data.reencryptKycData).toBe(0);
    const audit = await query("select actor_id, details from accounts.audit_log where action = 'reencrypt_kyc_data' order by id");
    expect(audit.map((r) => [r.actor_id, r.details])).toEqual([
      [admin.id, { keyId: 'k2', rows: 2 }],
      [admin.id, { keyId: 'k2', rows: 0 }],
    ]);
    await stop();

    // The old key removed: everything still reads.
    await waitForHealth(`http://127.0.0.1:${port}/health`, await start({ KYC_ENCRYPTION_KEYS: k2 }), 'accounts');
    expect(await readAs(users[0])).toEqual({ fullName: 'Person Number 0', documentNumber: submissions[0].documentNumber });
    expect(await readAs(users[1])).toEqual({ fullName: 'Person Number 1', documentNumber: submissions[1].documentNumber });
  });
});
