import { randomUUID } from 'node:crypto';
import { getAddress } from 'ethers';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Viewer } from '@tradegraph/shared';
import { badInput, conflict, notFound, unauthenticated } from '../domain/errors';
import { claimedAddressOf, linkMessage, nonceOfLinkMessage, normalizeAddress, signerOf, verifySiweMessage } from '../domain/siwe';
import { MAX_WALLETS_PER_USER } from '../domain/wallets';
import { EmbeddedWalletKeyRecord, WalletRecord, type WalletKind } from '../infra/entities/wallets';
import { UserRecord } from '../infra/entities/users';
import { consumeNonce, issueNonce } from '../infra/nonces';
import { identityCount } from '../infra/oidc-store';
import type { Caller } from './caller';
import { accountEvent, withAccountEvents } from './account-events';
import { signInOrChallenge, type IssuedTokens, type SecondFactorChallenge } from './sessions';
import { newUser } from './users';

/** Links `address` to `userId`; CONFLICT if another user holds it (and nothing changes). */
async function insertWallet(ctx: Caller, userId: string, address: string, kind: WalletKind, provider: string | null = null): Promise<WalletRecord> {
  const holder = await ctx.em.findOne(WalletRecord, { address });
  if (holder) {
    if (holder.userId === userId) return holder;
    throw conflict('This wallet is linked to another account');
  }
  const count = await ctx.em.count(WalletRecord, { userId });
  if (count >= MAX_WALLETS_PER_USER) throw badInput(`An account holds at most ${MAX_WALLETS_PER_USER} wallets`);
  const record = ctx.em.create(WalletRecord, { id: randomUUID(), userId, address, kind, provider, createdAt: new Date() });
  const linked = accountEvent('account.wallet_linked', userId, { walletId: record.id, address: getAddress(address), kind, provider, at: record.createdAt.toISOString() });
  try {
    await withAccountEvents(ctx, [linked], () => ctx.em.persistAndFlush(record));
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw conflict('This wallet is linked to another account');
    throw error;
  }
  return record;
}

/** Step 1 of Sign-In with Ethereum: a single-use nonce and the values the message must carry. */
export async function siweChallenge(ctx: Caller) {
  const settings = ctx.services.settings.siwe;
  const { nonce, issuedAt, expiresAt } = await issueNonce(ctx.em, 'sign_in', settings.nonceTtlSeconds);
  return { nonce, domain: settings.domain, uri: settings.uri, chainIds: settings.chainIds, issuedAt, expiresAt };
}

/** Step 2: a signed EIP-4361 message signs in; a wallet nobody holds yet gets a new account. */
export async function signInWithEthereum(ctx: Caller, message: string, signature: string): Promise<IssuedTokens | SecondFactorChallenge> {
  const settings = ctx.services.settings.siwe;
  // The wallet the message names is the account under attack; unparseable input counts per IP.
  const claimed = claimedAddressOf(message);
  const address = await ctx.services.attempts.guard('siwe', { account: claimed, ip: ctx.clientIp }, async () => {
    const parsed = await verifySiweMessage(message, signature, settings);
    if (!(await consumeNonce(ctx.em, parsed.nonce, 'sign_in'))) {
      throw unauthenticated('The nonce is unknown, expired or already used; ask for a new one');
    }
    return normalizeAddress(parsed.address);
  });
  let wallet = await ctx.em.findOne(WalletRecord, { address });
  if (!wallet) {
    const user = newUser(ctx.em, ctx.services.settings, { email: null, passwordHash: null });
    await ctx.em.persistAndFlush(user);
    try {
      wallet = await insertWallet(ctx, user.id, address, 'EXTERNAL');
    } catch (error) {
      // Two first sign-ins of one wallet raced and the other won: sign in to its account.
      ctx.em.clear();
      await ctx.em.nativeDelete(UserRecord, { id: user.id });
      wallet = await ctx.em.findOne(WalletRecord, { address });
      if (!wallet) throw error;
    }
    if (wallet.userId === user.id) ctx.logger.info({ userId: user.id }, 'user signed up with a wallet');
  }
  const owner = await ctx.em.findOne(UserRecord, { id: wallet.userId });
  if (!owner) throw unauthenticated('The account of this wallet no longer exists');
  return signInOrChallenge(owner, ctx);
}

/** Step 1 of linking a wallet: the message to sign with it. */
export async function walletLinkChallenge(ctx: Caller, viewer: Viewer, rawAddress: string) {
  const address = normalizeAddress(rawAddress);
  const { domain, nonceTtlSeconds } = ctx.services.settings.siwe;
  const issued = await issueNonce(ctx.em, 'link', nonceTtlSeconds, {
    userId: viewer.userId,
    address,
    message: (nonce, issuedAt, expiresAt) => linkMessage({ domain, userId: viewer.userId, address, nonce, issuedAt, expiresAt }),
  });
  return { message: issued.message!, nonce: issued.nonce, expiresAt: issued.expiresAt };
}

/** Step 2: links the wallet that signed the challenge message. */
export async function linkWallet(ctx: Caller, viewer: Viewer, message: string, signature: string): Promise<WalletRecord> {
  const nonce = nonceOfLinkMessage(message);
  const address = signerOf(message, signature);
  // Refuse before the nonce is spent, so a refused link changes nothing.
  const holder = await ctx.em.findOne(WalletRecord, { address });
  if (holder && holder.userId !== viewer.userId) throw conflict('This wallet is linked to another account');
  // The nonce must be ours, for this user and this wallet, over exactly this text.
  if (!(await consumeNonce(ctx.em, nonce, 'link', { userId: viewer.userId, address, message }))) {
    throw badInput('The message was not issued to you for this wallet, expired or was used; ask for a new one', 'message');
  }
  return insertWallet(ctx, viewer.userId, address, 'EXTERNAL');
}

/** Unlinks one of the viewer's external wallets; the wallet as it was. */
export async function unlinkWallet(ctx: Caller, viewer: Viewer, rawAddress: string): Promise<WalletRecord> {
  const address = normalizeAddress(rawAddress);
  const wallet = await ctx.em.findOne(WalletRecord, { address, userId: viewer.userId });
  if (!wallet) throw notFound('You have no wallet with this address');
  if (wallet.kind !== 'EXTERNAL') throw badInput('Embedded wallets hold funds under our custody and cannot be unlinked', 'address');
  const user = await ctx.em.findOneOrFail(UserRecord, { id: viewer.userId });
  if (!user.passwordHash) {
    // A wallet-only account must keep a way to sign in.
    const others = await ctx.em.count(WalletRecord, { userId: viewer.userId, kind: 'EXTERNAL', id: { $ne: wallet.id } });
    if (others === 0 && (await identityCount(ctx.em, viewer.userId)) === 0) throw badInput('This is the last way to sign in to this account', 'address');
  }
  const removed = { ...wallet };
  await ctx.em.removeAndFlush(wallet);
  return removed;
}

/** The viewer's embedded wallet: made by the configured provider on first ask; asking again answers the same one. */
export async function createEmbeddedWallet(ctx: Caller, viewer: Viewer): Promise<WalletRecord> {
  const existing = await ctx.em.findOne(WalletRecord, { userId: viewer.userId, kind: 'EMBEDDED' });
  if (existing) return existing;
  if ((await ctx.em.count(WalletRecord, { userId: viewer.userId })) >= MAX_WALLETS_PER_USER) {
    throw conflict(`An account holds at most ${MAX_WALLETS_PER_USER} wallets`);
  }
  const walletProvider = ctx.services.embeddedWallets();
  const created = await walletProvider.createWallet(viewer.userId);
  const now = new Date();
  const wallet: WalletRecord = {
    id: randomUUID(),
    userId: viewer.userId,
    address: created.address,
    kind: 'EMBEDDED',
    provider: walletProvider.name,
    createdAt: now,
  };
  try {
    // The wallet and its sealed key are written together or not at all (wallet first: the key row references it).
    await ctx.em.transactional(async (tx) => {
      await tx.persistAndFlush(tx.create(WalletRecord, wallet));
      if (created.custody) {
        await tx.persistAndFlush(tx.create(EmbeddedWalletKeyRecord, { walletId: wallet.id, ...created.custody, createdAt: now }));
      }
      const { id: walletId, address, kind, provider } = wallet;
      const linked = { walletId, address: getAddress(address), kind, provider, at: now.toISOString() };
      await ctx.services.webhooks.record(tx, [accountEvent('account.wallet_linked', viewer.userId, linked)]);
    });
    ctx.services.webhooks.committed();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw conflict('A wallet was created for you at the same moment; ask again');
    throw error;
  }
  ctx.logger.info({ userId: viewer.userId, walletId: wallet.id, provider: walletProvider.name }, 'embedded wallet created');
  return wallet;
}
