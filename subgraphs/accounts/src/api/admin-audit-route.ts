import express from 'express';
import { ADMIN_AUDIT_PATH, createTokenVerifier, refuseEndedSessions, type SubgraphPlatform, type Viewer } from '@tradegraph/shared';
import { recordAuditedAction } from '../app/admin';
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
export function adminAuditRoute(app: express.Express, { orm, logger }: SubgraphPlatform): void {
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
      const recorded = await recordAuditedAction(orm, viewer.userId, {
        action,
        targetType: targetType as string | undefined,
        targetId: targetId as string | undefined,
        details: details as Record<string, unknown> | undefined,
        requestId: requestId as string | undefined,
      });
      if (recorded === 'not an admin') return void res.status(403).json({ error: 'the actor is not an admin' });
      res.status(201).json({ id: recorded.id });
    } catch (error) {
      logger.error({ err: error }, 'recording an admin action failed');
      res.status(500).json({ error: 'not recorded' });
    }
  });
}
