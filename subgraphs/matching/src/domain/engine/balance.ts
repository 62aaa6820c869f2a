/** One user's holding of one asset. Locked funds back open orders and cannot be spent. */
export class Balance {
  available = 0;
  locked = 0;
  /** Sequence number of the last command that changed this balance, so each command reports
   *  a balance once (with its final value) however many times it touched it. */
  touchedBy = -1;
  constructor(
    readonly user: string,
    readonly asset: string,
  ) {}
}
