/**
 * Gateway → accounts: an API key traded for a short-lived access token.
 * `POST /internal/api-keys/exchange` with `ApiKeyExchangeRequest` → 200 `ApiKeyExchangeGranted`
 * or 401 `{ error }`. Only callers holding the internal credential may call it.
 */
export const API_KEY_EXCHANGE_PATH = '/internal/api-keys/exchange';

export interface ApiKeyExchangeRequest {
  apiKey: string;
  /** The client's address as the gateway saw it (the key's IP allow-list is checked against it). */
  ip?: string;
}

export interface ApiKeyExchangeGranted {
  accessToken: string;
  /** ISO time. */
  expiresAt: string;
  scopes: string[];
  apiKeyId: string;
}

export interface ApiKeyExchangeRefused {
  error: string;
}
