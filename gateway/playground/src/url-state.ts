// Keeps the operation in the page URL (?query=…&variables=…&operationName=…) so that a
// playground link can be shared with another integrator and opens with the same operation.
// Headers are deliberately left out: they usually hold a bearer token, and URLs end up in
// browser history, proxy logs and chat messages.

export interface UrlOperation {
  query?: string;
  variables?: string;
  operationName?: string;
}

const KEYS = ['query', 'variables', 'operationName'] as const;

export function readUrlOperation(search: string): UrlOperation {
  const params = new URLSearchParams(search);
  const operation: UrlOperation = {};
  for (const key of KEYS) {
    const value = params.get(key);
    if (value !== null) operation[key] = value;
  }
  return operation;
}

/** Updates one parameter in place, without adding a history entry per keystroke. */
export function writeUrlParam(key: keyof UrlOperation, value: string | undefined): void {
  const url = new URL(window.location.href);
  if (value) url.searchParams.set(key, value);
  else url.searchParams.delete(key);
  window.history.replaceState(window.history.state, '', url);
}
