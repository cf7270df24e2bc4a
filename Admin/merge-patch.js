// JSON Merge Patch (RFC 7396): what the page sends when it saves, so that only what the
// admin changed is written and everything else stays as stored.

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Whether a value says "nothing here": absent, null, an empty list or an empty object. */
const isEmpty = (value) => value === undefined || value === null
  || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);

/** The value as JSON with every object's keys in order, so equal settings compare equal. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** Whether two settings are the same, an empty one the same as one not set. */
export function same(before, after) {
  return (isEmpty(before) && isEmpty(after)) || canonical(before) === canonical(after);
}

/**
 * The merge patch that turns `before` into `after`, for the keys `after` names: a key
 * whose value changed is sent whole (lists are replaced whole), an object is patched
 * key by key, and inside one a key `after` no longer has is sent as `null` (removed).
 * Keys of `before` that `after` leaves out at the top level are not touched.
 */
export function mergePatch(before, after, nested = false) {
  const patch = {};
  for (const [key, value] of Object.entries(after)) {
    const old = before?.[key];
    if (isObject(value) && isObject(old)) {
      const inner = mergePatch(old, value, true);
      if (Object.keys(inner).length) patch[key] = inner;
    } else if (!same(old, value)) {
      patch[key] = value;
    }
  }
  if (nested) {
    for (const key of Object.keys(before ?? {})) {
      if (!(key in after) && !isEmpty(before[key])) patch[key] = null;
    }
  }
  return patch;
}
