// The companies an admin may see, a page at a time, filterable by name or number.
import { h, announce } from '../dom.js';
import { api } from '../api.js';

export async function renderCompanies(view) {
  const filter = h('input', { id: 'filter', type: 'search', placeholder: 'Name or number', autocomplete: 'off' });
  const body = h('tbody');
  const more = h('button', { type: 'button', id: 'more', hidden: true }, 'Load more');
  const count = h('p', { class: 'hint', id: 'companies-count', 'aria-live': 'polite' });
  const companies = [];
  let next = null;

  function matches(company, text) {
    if (!text) return true;
    const needle = text.toLowerCase();
    const digits = text.replace(/[^0-9]/g, '');
    return company.companyName.toLowerCase().includes(needle) || company.companyId.includes(needle)
      || (digits && company.phoneNumbers.some((n) => n.phoneNumber.replace(/[^0-9]/g, '').includes(digits)));
  }

  function draw() {
    const shown = companies.filter((company) => matches(company, filter.value.trim()));
    body.replaceChildren(...shown.map((company) => h('tr', {},
      h('td', {}, h('a', { href: `#/companies/${encodeURIComponent(company.companyId)}` }, company.companyName || company.companyId)),
      h('td', { class: 'mono' }, company.phoneNumbers.map((n) => h('span', { class: `number number-${n.status}` }, n.phoneNumber, n.status === 'active' ? '' : ` (${n.status})`))),
      h('td', {}, company.callRoutingMode ?? '—'),
      h('td', {}, company.twilioConfigured ? 'yes' : h('strong', {}, 'no')))));
    count.textContent = `${shown.length} of ${companies.length} companies shown${next ? ' (more to load)' : ''}.`;
    more.hidden = !next;
  }

  async function load() {
    more.disabled = true;
    try {
      const { body: page } = await api.companies(next);
      companies.push(...page.companies);
      next = page.next;
      draw();
    } catch (error) {
      announce(error.message, 'error');
    } finally {
      more.disabled = false;
    }
  }

  filter.addEventListener('input', draw);
  more.addEventListener('click', load);
  view.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'companies-title' },
    h('h2', { id: 'companies-title' }, 'Companies'),
    h('div', { class: 'field inline' }, h('label', { for: 'filter' }, 'Filter'), filter),
    count,
    h('div', { class: 'table-wrap' }, h('table', { id: 'companies-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Company'), h('th', { scope: 'col' }, 'Numbers'), h('th', { scope: 'col' }, 'Calls go to'), h('th', { scope: 'col' }, 'Twilio set up'))),
      body)),
    more));
  await load();
}
