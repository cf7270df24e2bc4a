// Signing in: paste a token that `switchboard token` printed.
import { h, announce } from '../dom.js';
import { signIn } from '../session.js';

export function renderSignIn(view, onSignedIn) {
  const input = h('textarea', { id: 'token', rows: 4, autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-hint token-error' });
  const error = h('p', { class: 'field-error', id: 'token-error', hidden: true });
  const form = h('form', { class: 'card narrow', novalidate: true },
    h('h2', {}, 'Sign in'),
    h('div', { class: 'field' },
      h('label', { for: 'token' }, 'Admin token'),
      input,
      h('p', { class: 'hint', id: 'token-hint' }, 'Paste a token from ', h('code', {}, 'switchboard token --role admin'),
        ' (or ', h('code', {}, '--role company --company ID'), '). It stays in this tab only.'),
      error),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    try {
      signIn(input.value.trim());
      announce('Signed in.');
      onSignedIn();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  view.replaceChildren(form);
  input.focus();
}
