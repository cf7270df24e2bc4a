// The admin token: kept in this tab's session storage only — never in a URL, never in a cookie.

const KEY = 'switchboard.token';

/** The claims of a JWT, read (not verified: the API verifies it). */
export function claims(token) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('That is not a token: a token has three parts separated by dots.');
  const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '='));
  const payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new Error('That token has no sub or exp claim.');
  if (payload.role !== 'admin' && payload.role !== 'company') throw new Error('That token is not a Switchboard admin token (role admin or company).');
  return payload;
}

/** The signed-in session, or null. */
export function current() {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  try {
    const payload = claims(token);
    if (payload.exp * 1000 <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return { token, subject: payload.sub, role: payload.role, companyId: payload.companyId ?? null, expires: new Date(payload.exp * 1000) };
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function signIn(token) {
  claims(token);
  sessionStorage.setItem(KEY, token);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
