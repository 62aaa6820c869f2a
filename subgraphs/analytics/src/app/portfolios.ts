import { lastUpdated, type Holding } from '../domain/portfolio';

/** A user's portfolio as the API shows it: whose it is and when any of its holdings last changed. */
export interface PortfolioSummary {
  userId: string;
  updatedAt: Date | null;
}

/** Portfolios, built from a user's holdings (the caller's loader batches those: infra/loaders.ts). */
export class Portfolios {
  async summary(userId: string, holdingsOf: (userId: string) => Promise<Holding[]>): Promise<PortfolioSummary> {
    return { userId, updatedAt: lastUpdated(await holdingsOf(userId)) };
  }
}
