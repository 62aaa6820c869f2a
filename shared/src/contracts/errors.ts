/**
 * Every `extensions.code` a client of the graph can receive, grouped by the stage that refuses:
 * the one list clients rely on (docs/architecture.md, "Errors"). Codes are stable: a code is
 * never renamed or reused for another meaning. The matching engine's reject codes are the
 * `risk` and `matching` stages; its domain imports them from here, so an engine refusal reaches
 * the client under the same code with no translation table.
 */
export const ERROR_CODES_BY_STAGE = {
  /** The gateway's request pipeline, before any subgraph runs. */
  request: [
    'BAD_REQUEST',
    'METHOD_NOT_ALLOWED',
    'GRAPHQL_PARSE_FAILED',
    'GRAPHQL_VALIDATION_FAILED',
    /** A query over a size or cost limit (the gateway's query limits). */
    'QUERY_TOO_COMPLEX',
    /** @defer or @stream: the gateway's federation executor cannot deliver incrementally (README, "@defer"). */
    'DEFER_NOT_SUPPORTED',
  ],
  /** Who is asking and what they may do. */
  auth: ['UNAUTHENTICATED', 'FORBIDDEN'],
  /** What was asked for is wrong, missing or clashes with what exists. */
  input: ['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT'],
  /** Too much, too often. */
  limits: [
    'RATE_LIMITED',
    /** A per-user cap on stored objects (e.g. price alerts) is reached. */
    'LIMIT_EXCEEDED',
  ],
  /** The engine's checks of money before an order rests or trades (engine reject codes). */
  risk: ['INSUFFICIENT_FUNDS', 'BALANCE_LIMIT_EXCEEDED', 'INVALID_AMOUNT', 'NO_REFERENCE_PRICE'],
  /** The engine's checks of an order against its market and book (engine reject codes). */
  matching: [
    'PRICE_NOT_ON_TICK',
    'QTY_NOT_ON_LOT',
    'PRICE_OUT_OF_RANGE',
    'QTY_OUT_OF_RANGE',
    'BELOW_MIN_NOTIONAL',
    'MARKET_SUSPENDED',
    'POST_ONLY_WOULD_TAKE',
    'FOK_NOT_FILLED',
    'UNKNOWN_ORDER',
    'UNKNOWN_MARKET',
    'DUPLICATE_CLIENT_ORDER_ID',
    'DUPLICATE_MARKET',
    'INVALID_MARKET',
    'INVALID_ORDER',
    'INVALID_EXPIRY',
    'ORDER_NOT_AMENDABLE',
    'STALE_TIMESTAMP',
  ],
  /**
   * Matching's checks in front of the engine, before a command is journaled (so a journal replay
   * never reads the clock): outside the market's trading session (Market.isOpen, nextOpen; the
   * error's `nextOpen` extension says when it opens).
   */
  session: ['MARKET_CLOSED'],
  /** Funding's checks of a deposit a user reports by its transaction hash (reportDeposit). */
  funding: [
    /** The chain knows no such transaction (or it has not been mined yet). */
    'DEPOSIT_TX_NOT_FOUND',
    /** The transaction pays none of the caller's deposit addresses. */
    'DEPOSIT_WRONG_RECIPIENT',
    /** The transaction's deposit is credited already. */
    'DEPOSIT_ALREADY_CREDITED',
    /** A withdrawal needs TOTP two-factor authentication on; the account has none (enable it first). */
    'WITHDRAWAL_TWO_FACTOR_REQUIRED',
    /** The withdrawal's two-factor code is wrong or was used. */
    'WITHDRAWAL_TWO_FACTOR_WRONG',
    /** The amount is not more than 0, or has more decimals than the asset (or the engine) keeps. */
    'WITHDRAWAL_INVALID_AMOUNT',
    /** The recipient is not an address, or its mixed-case checksum (EIP-55) is wrong. */
    'WITHDRAWAL_INVALID_ADDRESS',
    /** No such chain among the chains funding serves. */
    'WITHDRAWAL_UNKNOWN_CHAIN',
    /** The chain carries no such asset, or the exchange does not trade it. */
    'WITHDRAWAL_UNKNOWN_ASSET',
    /** The recipient is one of the exchange's own deposit addresses. */
    'WITHDRAWAL_OWN_ADDRESS',
    /** The quote named has expired (ask withdrawalQuote again). */
    'WITHDRAWAL_QUOTE_EXPIRED',
    /** The quote named was made for another asset, chain, amount or user. */
    'WITHDRAWAL_QUOTE_MISMATCH',
    /** The address book's entry for this address is still in its cool-off (usableFrom says until when). */
    'WITHDRAWAL_ADDRESS_COOLING_OFF',
    /** Allow-list-only is on and the address is not in the address book. */
    'WITHDRAWAL_ADDRESS_NOT_ALLOWED',
    /** The per-asset daily limit (FUNDING_WITHDRAWAL_DAILY_LIMITS) would be passed. */
    'WITHDRAWAL_LIMIT_EXCEEDED',
    /** The PIX key is none of CPF (valid check digits), CNPJ, e-mail, +55 phone or random key (EVP). */
    'PIX_INVALID_KEY',
  ],
  /** Something the request needs is away; the same request may work a moment later. */
  availability: [
    /** A dependency (another subgraph, a provider) could not be reached. */
    'UNAVAILABLE',
    /** The service's own database (or Redis) is unreachable; nothing was changed. */
    'SERVICE_UNAVAILABLE',
    /** The gateway could not reach a subgraph. */
    'SUBGRAPH_UNAVAILABLE',
    'UPSTREAM_UNAVAILABLE',
    'UPSTREAM_ERROR',
    'INTERNAL_SERVER_ERROR',
  ],
} as const;

type Stages = typeof ERROR_CODES_BY_STAGE;
export type ErrorStage = keyof Stages;
export type ErrorCode = Stages[ErrorStage][number];

/** The codes the matching engine refuses a command with (a refused command changes nothing). */
export const ENGINE_REJECT_CODES = [...ERROR_CODES_BY_STAGE.risk, ...ERROR_CODES_BY_STAGE.matching] as const;
export type EngineRejectCode = (typeof ENGINE_REJECT_CODES)[number];

function byName<const Codes extends readonly string[]>(codes: Codes): { readonly [Code in Codes[number]]: Code } {
  return Object.fromEntries(codes.map((code) => [code, code])) as never;
}

/**
 * `ErrorCode.FORBIDDEN` etc.: every code by its own name, plus `INTERNAL` for the generic
 * server error (Apollo's `INTERNAL_SERVER_ERROR`).
 */
export const ErrorCode = {
  ...byName(Object.values(ERROR_CODES_BY_STAGE).flat() as ErrorCode[]),
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as { readonly [Code in ErrorCode]: Code } & { readonly INTERNAL: 'INTERNAL_SERVER_ERROR' };

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCode, value) && value !== 'INTERNAL';
}
