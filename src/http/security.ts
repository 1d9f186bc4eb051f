import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { CodeindexError } from '../errors.js';
import { sendError } from './errors.js';

/** The environment variable holding the bearer token of the HTTP server. */
export const TOKEN_ENV = 'CODEINDEX_DASHBOARD_TOKEN';
/** The cookie a `?token=` visit sets, so a browser (and bull-board's own fetches) stay signed in. */
export const TOKEN_COOKIE = 'codeindex_token';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isIP(h.slice(7)) === 4 && h.slice(7).startsWith('127.');
  return false;
}

/**
 * The token rule: binding to anything but loopback requires a token (an empty one does not count).
 * @throws CodeindexError CONFIG_INVALID with one line that says how to fix it.
 */
export function checkBindSecurity(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new CodeindexError(
      'CONFIG_INVALID',
      `refusing to listen on ${host} without ${TOKEN_ENV}: set it to a long random secret (clients send "Authorization: Bearer <token>"), or bind to 127.0.0.1`,
    );
  }
  if (token !== undefined && token.length > 0 && token.length < 16) {
    throw new CodeindexError('CONFIG_INVALID', `${TOKEN_ENV} is too short: use at least 16 characters`);
  }
}

/** Constant-time string comparison (through fixed-length digests, so lengths do not leak). */
function sameSecret(a: string, b: string): boolean {
  const da = createHmac('sha256', 'codeindex-compare').update(a).digest();
  const db = createHmac('sha256', 'codeindex-compare').update(b).digest();
  return timingSafeEqual(da, db);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/**
 * Requires the token on every request except `open` paths: `Authorization: Bearer <token>`, the
 * cookie, or `?token=` (which sets the cookie; a browser GET is redirected to the same URL without
 * it, so the token does not stay in the address bar or history). The cookie holds an HMAC of the
 * token, not the token. Failures are 401 and never echo what was sent.
 */
export function requireToken(token: string, open: (path: string) => boolean): RequestHandler {
  const cookieSecret = createHmac('sha256', token).update('codeindex-dashboard-cookie').digest('hex');
  return (req, res, next) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && sameSecret(auth.slice(7).trim(), token)) {
      next();
      return;
    }
    const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
    if (cookie && sameSecret(cookie, cookieSecret)) {
      next();
      return;
    }
    const url = new URL(req.originalUrl, 'http://localhost');
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && sameSecret(fromQuery, token)) {
      res.cookie(TOKEN_COOKIE, cookieSecret, { httpOnly: true, sameSite: 'strict', path: '/' });
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
        url.searchParams.delete('token');
        res.redirect(303, `${url.pathname}${url.search}`);
        return;
      }
      next();
      return;
    }
    if (open(req.path)) {
      res.locals.unauthenticated = true;
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="codeindex"');
    sendError(
      res,
      401,
      'UNAUTHORIZED',
      `missing or wrong token: send "Authorization: Bearer <${TOKEN_ENV}>", or open the page once with ?token=<token>`,
    );
  };
}

/**
 * DNS-rebinding protection for a loopback bind: a page on another site that re-points its own
 * name at 127.0.0.1 still sends its own name as Host, so only loopback names are accepted.
 */
export function loopbackHostOnly(): RequestHandler {
  return (req, res, next) => {
    const host = req.headers.host;
    let hostname = '';
    try {
      hostname = host ? new URL(`http://${host}`).hostname : '';
    } catch {
      hostname = '';
    }
    if (hostname && isLoopbackHost(hostname)) {
      next();
      return;
    }
    sendError(
      res,
      403,
      'FORBIDDEN_HOST',
      'this server is bound to loopback and only answers requests addressed to localhost or 127.0.0.1',
    );
  };
}
