import { Secret, TOTP } from 'otpauth';

/**
 * Codes for the TOTP secret `secret` (base32), as an authenticator app would give them, each one
 * usable once: accounts refuses a step it has already accepted, so every call returns the code of
 * a step not yet used — the previous step's while it still has 5 s to live (it must be inside the
 * window when it arrives), else the current or next one, waiting (synchronously, to keep callers
 * simple) when every step of the window is spent.
 */
export function totpCodes(secret: string): () => string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret) });
  let last = -Infinity;
  return () => {
    for (;;) {
      const now = Math.floor(Date.now() / 30_000);
      const earliest = (now + 1) * 30_000 - Date.now() > 5_000 ? now - 1 : now;
      const step = Math.max(last + 1, earliest);
      if (step <= now + 1) {
        last = step;
        break;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, (now + 1) * 30_000 - Date.now() + 50);
    }
    return totp.generate({ timestamp: last * 30_000 + 1 });
  };
}
