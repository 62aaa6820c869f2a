/** A user has a handful of wallets; the cap keeps User.wallets cheap to page in memory. */
export const MAX_WALLETS_PER_USER = 20;
