import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  Access,
  alertChannel,
  canReadUserData,
  forbidden,
  requireViewer,
  viewerChannel,
  DecimalScalar,
  type AlertTriggeredEvent,
  type PriceAlertState,
} from '@tradegraph/shared';
import type { Context } from './context';
import { AlertCondition, AlertStatus, AlertTriggered, Market, PriceAlert, PriceAlertInput, User } from './types';

@Resolver(() => PriceAlert)
export class PriceAlertResolver {
  @Access('read')
  @Query(() => [PriceAlert], {
    description: 'Your price alerts, newest first: the active ones, or those in `statuses` (e.g. [triggered] for what fired; at most `first`)',
  })
  myPriceAlerts(
    @Ctx() ctx: Context,
    @Arg('statuses', () => [AlertStatus], { nullable: true }) statuses?: AlertStatus[] | null,
    @Arg('first', () => Int, { defaultValue: 100 }) first = 100,
  ): Promise<PriceAlertState[]> {
    return ctx.services.alerts.list(ctx.em, requireViewer(ctx.viewer).userId, statuses ?? [AlertStatus.active], first);
  }

  @Access('trade')
  @Mutation(() => PriceAlert, { description: 'An ABOVE or BELOW alert in short; addPriceAlert takes every kind' })
  createPriceAlert(
    @Arg('market') market: string,
    @Arg('condition', () => AlertCondition) condition: AlertCondition,
    @Arg('price', () => DecimalScalar) price: string,
    @Ctx() ctx: Context,
  ): Promise<PriceAlertState> {
    const viewer = requireViewer(ctx.viewer);
    return ctx.services.alerts.createSimple(ctx.em, viewer.userId, { market, condition, price });
  }

  @Access('trade')
  @Mutation(() => PriceAlert, { description: 'A price alert of any kind, optionally repeating and expiring' })
  addPriceAlert(@Arg('input', () => PriceAlertInput) input: PriceAlertInput, @Ctx() ctx: Context): Promise<PriceAlertState> {
    const viewer = requireViewer(ctx.viewer);
    return ctx.services.alerts.create(ctx.em, viewer.userId, input);
  }

  @Access('trade')
  @Mutation(() => PriceAlert, { description: 'Cancels one of your active alerts' })
  cancelPriceAlert(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<PriceAlertState> {
    const viewer = requireViewer(ctx.viewer);
    return ctx.services.alerts.cancel(ctx.em, viewer.userId, id);
  }

  @FieldResolver(() => Market)
  market(@Root() alert: PriceAlertState): Market {
    return { symbol: alert.market };
  }

  @FieldResolver(() => AlertCondition, { nullable: true })
  condition(@Root() alert: PriceAlertState): AlertCondition | null {
    return alert.kind === 'ABOVE' ? AlertCondition.above : alert.kind === 'BELOW' ? AlertCondition.below : null;
  }

  @FieldResolver(() => DecimalScalar, { nullable: true })
  price(@Root() alert: PriceAlertState): string | null {
    return alert.threshold;
  }
}

@Resolver(() => AlertTriggered)
export class AlertTriggeredResolver {
  @Access('read')
  @Subscription(() => AlertTriggered, {
    description: 'Your price alerts as they fire (channel trading.alert.<userId>)',
    subscribe: viewerChannel<AlertTriggeredEvent>(alertChannel),
  })
  alertTriggered(@Root() event: AlertTriggeredEvent): AlertTriggeredEvent {
    return event;
  }
}

@Resolver(() => User)
export class UserAlertsResolver {
  @Access('read')
  @FieldResolver(() => [PriceAlert], { description: "The user's active price alerts" })
  priceAlerts(@Root() user: User, @Ctx() ctx: Context): Promise<PriceAlertState[]> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return ctx.loaders.activeAlertsByUser.load(user.id);
  }
}
