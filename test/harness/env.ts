// Addresses of the system that test/harness/global-setup.js started for this jest run.
export const GATEWAY_URL = process.env.E2E_GATEWAY_URL ?? 'http://127.0.0.1:14000';
export const GATEWAY_HTTP = `${GATEWAY_URL}/graphql`;
export const GATEWAY_WS = `${GATEWAY_URL.replace(/^http/, 'ws')}/graphql`;
export const LOG_DIR = process.env.E2E_LOG_DIR ?? '';
