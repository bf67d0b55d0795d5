import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Role, ServiceError } from '@tooncast/shared';

export interface TokenClaims {
  sessionId: string;
  role: Role;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Per-session bearer tokens: base64url(JSON claims) + '.' + base64url(HMAC-SHA256). */
export class SessionTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
  ) {}

  issue(sessionId: string, role: Role, now = Date.now()): string {
    const claims: TokenClaims = { sessionId, role, exp: Math.floor(now / 1000) + this.ttlSeconds };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  verify(token: string, now = Date.now()): TokenClaims | ServiceError {
    const [body, signature, extra] = token.split('.');
    const invalid: ServiceError = { code: 'token-invalid', message: 'the session link or token is not valid' };
    if (!body || !signature || extra !== undefined) return invalid;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return invalid;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    } catch {
      return invalid;
    }
    if (claims.exp * 1000 < now) return { code: 'token-expired', message: 'the session link has expired' };
    return claims;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
