// Building the page: every text a company wrote goes in as text, never as HTML.

/** An element with attributes and children (strings become text nodes). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A labelled input, with a place for its error. `name` is the API's field path. */
export function field(label, name, input, hint) {
  const id = fieldID(name);
  input.id = id;
  input.name = name;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const hintElement = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  input.setAttribute('aria-describedby', [hintElement ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' '));
  return h('div', { class: 'field', 'data-field': name }, h('label', { for: id }, label), input, hintElement, error);
}

/** The element id of an API field path: `phoneNumbers[1].phoneNumber` → `f-phoneNumbers-1-phoneNumber`. */
export function fieldID(name) {
  return 'f-' + name.replace(/\[(\d+)\]/g, '-$1').replace(/\./g, '-');
}

/** Shows `message` at the field `name` (or returns false when the page has no such field). */
export function showFieldError(root, name, message) {
  const id = fieldID(name);
  const error = root.querySelector(`#${CSS.escape(id)}-error`);
  const input = root.querySelector(`#${CSS.escape(id)}`);
  if (!error) return false;
  error.textContent = message;
  error.hidden = false;
  if (input) input.setAttribute('aria-invalid', 'true');
  return true;
}

/** Removes every field error shown in `root`. */
export function clearFieldErrors(root) {
  for (const error of root.querySelectorAll('.field-error')) {
    error.textContent = '';
    error.hidden = true;
  }
  for (const input of root.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Says `message` to screen readers and shows it. */
export function announce(message, kind = 'info') {
  const announcer = document.getElementById('announcer');
  announcer.textContent = message;
  announcer.dataset.kind = kind;
  announcer.dataset.at = String(Date.now());
}

/** Clears what was said on an earlier screen ("Signed in." belongs to the first one only). */
export function forgetAnnouncement() {
  const announcer = document.getElementById('announcer');
  if (Date.now() - Number(announcer.dataset.at ?? 0) > 1000) announcer.textContent = '';
}

/** A status badge: HEALTHY green, DEGRADED amber, DOWN red, NOT_CONFIGURED grey; none yet: UNCHECKED. */
export function badge(status) {
  const text = status ?? 'UNCHECKED';
  return h('span', { class: `badge badge-${String(text).toLowerCase().replace(/_/g, '-')}` }, text);
}

/** When something happened, in the reader's time, or a dash. */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** A company's last health check as table cells: status, when, the first problem. */
export function healthCells(health) {
  return [
    h('td', { class: 'health-status' }, badge(health?.status ?? null)),
    h('td', {}, when(health?.checkedAt)),
    h('td', { class: 'health-problem' }, h('span', { class: 'clamp', title: health?.problem ?? undefined },
      health?.problem ?? (health?.status ? 'nothing' : 'not checked yet'))),
  ];
}
