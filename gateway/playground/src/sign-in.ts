// The playground's sign-in helper: email/password, or Sign-In with Ethereum through a wallet the
// browser injects (window.ethereum, EIP-1193). Either way it answers an access token, which the
// page writes into GraphiQL's headers editor as `Authorization: Bearer …`; from there the fetcher
// sends it on HTTP requests and in the subscription socket's connection_init (fetcher.ts).
import { checksumAddress } from './eip55';

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export type SignInResult = { token: string } | { challenge: string };

/** A GraphQL request to the page's own gateway, without credentials; throws the first error. */
async function graphql<T>(httpUrl: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new Error(`${first!.message}${first!.extensions?.code ? ` (${first!.extensions.code})` : ''}`);
  }
  return body.data as T;
}

const LOGIN_RESULT = '__typename ... on AuthPayload { accessToken } ... on TwoFactorChallenge { challenge }';
type LoginResult = { __typename: 'AuthPayload'; accessToken: string } | { __typename: 'TwoFactorChallenge'; challenge: string };
const toResult = (r: LoginResult): SignInResult => (r.__typename === 'AuthPayload' ? { token: r.accessToken } : { challenge: r.challenge });

export async function signInWithPassword(httpUrl: string, email: string, password: string): Promise<SignInResult> {
  const data = await graphql<{ login: LoginResult }>(
    httpUrl,
    `mutation PlaygroundLogin($email: String!, $password: String!) { login(email: $email, password: $password) { ${LOGIN_RESULT} } }`,
    { email, password },
  );
  return toResult(data.login);
}

/** Second step when the account has 2FA: the challenge and a TOTP or recovery code. */
export async function completeSignIn(httpUrl: string, challenge: string, code: string): Promise<string> {
  const data = await graphql<{ completeLogin: { accessToken: string } }>(
    httpUrl,
    'mutation PlaygroundCompleteLogin($challenge: String!, $code: String!) { completeLogin(challenge: $challenge, code: $code) { accessToken } }',
    { challenge, code },
  );
  return data.completeLogin.accessToken;
}

interface SiweChallenge {
  nonce: string;
  domain: string;
  uri: string;
  chainIds: number[];
  issuedAt: string;
  expiresAt: string;
}

/** The EIP-4361 text the wallet signs, from the server's challenge (siweNonce). */
export function siweMessage(challenge: SiweChallenge, address: string, chainId: number): string {
  return [
    `${challenge.domain} wants you to sign in with your Ethereum account:`,
    checksumAddress(address),
    '',
    'Sign in to the Tradegraph playground.',
    '',
    `URI: ${challenge.uri}`,
    'Version: 1',
    `Chain ID: ${chainId}`,
    `Nonce: ${challenge.nonce}`,
    `Issued At: ${challenge.issuedAt}`,
    `Expiration Time: ${challenge.expiresAt}`,
  ].join('\n');
}

/** Sign-In with Ethereum: a nonce from the gateway, the wallet's account and signature, then signInWithEthereum. */
export async function signInWithEthereum(httpUrl: string, ethereum: Eip1193Provider): Promise<SignInResult> {
  const { siweNonce } = await graphql<{ siweNonce: SiweChallenge }>(
    httpUrl,
    'mutation PlaygroundSiweNonce { siweNonce { nonce domain uri chainIds issuedAt expiresAt } }',
    {},
  );
  const accounts = (await ethereum.request({ method: 'eth_requestAccounts' })) as string[];
  const address = accounts[0];
  if (!address) throw new Error('The wallet shared no account');
  // The wallet's chain if the gateway accepts it, else the first the gateway accepts.
  let chainId = siweNonce.chainIds[0] ?? 1;
  try {
    const current = Number.parseInt(String(await ethereum.request({ method: 'eth_chainId' })), 16);
    if (siweNonce.chainIds.includes(current)) chainId = current;
  } catch {
    // Not every provider answers eth_chainId; the first accepted chain is used.
  }
  const message = siweMessage(siweNonce, address, chainId);
  const hexMessage = `0x${Array.from(new TextEncoder().encode(message), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const signature = String(await ethereum.request({ method: 'personal_sign', params: [hexMessage, address] }));
  const data = await graphql<{ signInWithEthereum: LoginResult }>(
    httpUrl,
    `mutation PlaygroundSignInWithEthereum($message: String!, $signature: String!) { signInWithEthereum(message: $message, signature: $signature) { ${LOGIN_RESULT} } }`,
    { message, signature },
  );
  return toResult(data.signInWithEthereum);
}

/** The headers editor's text with `Authorization: Bearer <token>` set, other headers kept. */
export function headersWithToken(current: string, token: string): string {
  let headers: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(current || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) headers = parsed as Record<string, unknown>;
  } catch {
    // Unreadable headers are replaced.
  }
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
  return JSON.stringify({ ...headers, Authorization: `Bearer ${token}` }, null, 2);
}

export interface FeeScheduleTier {
  level: number;
  minVolume: string;
  maker: string;
  taker: string;
}

/** The fee schedule (public), for the playground's docs panel. */
export async function feeSchedule(httpUrl: string): Promise<FeeScheduleTier[]> {
  const data = await graphql<{ feeSchedule: FeeScheduleTier[] }>(httpUrl, 'query PlaygroundFeeSchedule { feeSchedule { level minVolume maker taker } }', {});
  return data.feeSchedule;
}
