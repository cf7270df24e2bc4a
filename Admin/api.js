// The documented API (openapi.yaml), and nothing else.
import { current } from './session.js';

const base = document.querySelector('meta[name="switchboard-api"]')?.content?.replace(/\/$/, '') ?? '';

/** An answer the API refused: its status and its RFC 9457 problem. */
export class APIError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `The API answered HTTP ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
  }
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

async function request(method, path, { body, headers = {}, contentType = 'application/json' } = {}) {
  const session = current();
  const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
  if (session) init.headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = contentType;
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch {
    throw new APIError(0, { detail: 'The API could not be reached. Check your connection and try again.' });
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok && !(path.startsWith('/api/admin/') && response.status === 503 && json?.dependencies)) {
    throw new APIError(response.status, json);
  }
  return { status: response.status, etag: response.headers.get('ETag'), body: json };
}

export const api = {
  companies: (after) => request('GET', `/api/companies?limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`),
  config: (id) => request('GET', `/api/companies/${encodeURIComponent(id)}/twilio/config`),
  /** Changes the settings `patch` names (a JSON Merge Patch of what `config` shows); the rest stay as stored. */
  save: (id, patch, { etag, dryRun = false, configureWebhooks = false } = {}) => {
    const query = new URLSearchParams();
    if (dryRun) query.set('dryRun', 'true');
    if (configureWebhooks) query.set('configureWebhooks', 'true');
    const suffix = query.toString() ? `?${query}` : '';
    return request('PATCH', `/api/companies/${encodeURIComponent(id)}/twilio/config${suffix}`,
      { body: patch, contentType: 'application/merge-patch+json', headers: etag ? { 'If-Match': etag } : {} });
  },
  /** The dependency check; with `everyCompany`, a page of the companies' stored health (`status`, `after`). */
  health: (everyCompany, { status, after } = {}) => {
    const query = new URLSearchParams();
    if (everyCompany) query.set('scope', 'all');
    if (everyCompany && status) query.set('status', status);
    if (everyCompany && after) query.set('after', after);
    const suffix = query.toString() ? `?${query}` : '';
    return request('GET', `/api/admin/notifications/dependency-health${suffix}`);
  },
  /** A page of a company's `calls` or `messages`, newest first, with how each ended. */
  archive: (id, kind, { limit = 10, before, status } = {}) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before) query.set('before', before);
    if (status) query.set('status', status);
    return request('GET', `/api/companies/${encodeURIComponent(id)}/${kind}?${query}`);
  },
  /** How many numbers opted out of a company's messages, and the first page of them. */
  optOuts: (id, { limit = 10 } = {}) => request('GET', `/api/companies/${encodeURIComponent(id)}/opt-outs?limit=${limit}`),
  /** Sends a message from the company's primary number; `key` makes a retry send nothing twice. */
  sendMessage: (id, message, key) => request('POST', `/api/companies/${encodeURIComponent(id)}/messages`, { body: message, headers: { 'Idempotency-Key': key } }),
  /** A recording's audio, fetched with the session's token, as a blob the page can play. */
  recording: async (id, sid) => {
    const session = current();
    let response;
    try {
      response = await fetch(`${base}/api/companies/${encodeURIComponent(id)}/recordings/${encodeURIComponent(sid)}`, {
        headers: session ? { Authorization: `Bearer ${session.token}` } : {}, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      });
    } catch {
      throw new APIError(0, { detail: 'The API could not be reached. Check your connection and try again.' });
    }
    if (!response.ok) {
      let json = null;
      try { json = await response.json(); } catch { json = null; }
      throw new APIError(response.status, json);
    }
    return response.blob();
  },
  /** Checks one company's account and numbers now; the result is stored and answered. */
  checkCompany: (id) => request('GET', `/api/companies/${encodeURIComponent(id)}/health`),
};
