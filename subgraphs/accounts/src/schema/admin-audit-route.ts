import express from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ADMIN_AUDIT_PATH, createTokenVerifier, refuseEndedSessions, type Logger, type Viewer } from '@tradegraph/shared';
import { UserRecord } from '../store';
import { recordAdminAction } from '../store/audit';
import { internalCallerAllowed } from './api-key-exchange';

const ACTION = /^[a-z][a-z0-9_]{0,63}$/;
const optionalText = (value: unknown) => value === undefined || (typeof value === 'string' && value.length <= 200);

/**
 * Admin mutations of other subgraphs (markets' addMarket, suspendMarket, …) append to this
 * subgraph's audit log here, before they change anything: POST with the admin's own bearer
 * token and {action, targetType?, targetId?, details?, requestId?}. The actor is whoever the
 * token names, and must be an admin by the roles in the database now — so a subgraph cannot
 * write entries in someone else's name, and a demoted admin's live token records nothing.
 */
export function adminAuditRoute(app: express.Express, orm: MikroORM, logger: Logger): void {
  const verifyToken = refuseEndedSessions(createTokenVerifier());
  app.post(ADMIN_AUDIT_PATH, express.json({ limit: '16kb' }), async (req, res) => {
    if (!internalCallerAllowed(req)) return void res.status(403).json({ error: 'not an internal caller' });
    let viewer: Viewer | null;
    try {
      viewer = await verifyToken(req.headers.authorization);
    } catch {
      viewer = null;
    }
    if (!viewer || viewer.apiKeyId) return void res.status(401).json({ error: 'an admin session is needed' });
    const { action, targetType, targetId, details, requestId } = (req.body ?? {}) as Record<string, unknown>;
    const detailsValid = details === undefined || (typeof details === 'object' && details !== null && !Array.isArray(details));
    if (
      typeof action !== 'string' ||
      !ACTION.test(action) ||
      !optionalText(targetType) ||
      !optionalText(targetId) ||
      !optionalText(requestId) ||
      !detailsValid
    ) {
      return void res.status(400).json({ error: 'malformed audit entry' });
    }
    try {
      const em = orm.em.fork();
      const actor = await em.findOne(UserRecord, { id: viewer.userId });
      if (!actor?.roles.includes('admin')) return void res.status(403).json({ error: 'the actor is not an admin' });
      const entry = await recordAdminAction(em, {
        actorId: actor.id,
        action,
        targetType: targetType as string | undefined,
        targetId: targetId as string | undefined,
        details: details as Record<string, unknown> | undefined,
        requestId: requestId as string | undefined,
      });
      res.status(201).json({ id: entry.id });
    } catch (error) {
      logger.error({ err: error }, 'recording an admin action failed');
      res.status(500).json({ error: 'not recorded' });
    }
  });
}
