import { badInput } from './errors';

/** One mailbox, one account: trim and lower-case before storing or comparing. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw badInput('email is not a valid address', 'email');
  return email;
}

export function checkPasswordStrength(password: string): void {
  if (password.length < 10 || password.length > 256) {
    throw badInput('password must be between 10 and 256 characters', 'password');
  }
}
