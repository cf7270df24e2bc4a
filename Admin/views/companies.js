// The companies an admin may see, a page at a time, filterable by name or number, each
// with its last health check; "problems only" lists the DOWN, then the DEGRADED ones.
import { h, announce, healthCells } from '../dom.js';
import { api } from '../api.js';

export async function renderCompanies(view) {
  const filter = h('input', { id: 'filter', type: 'search', placeholder: 'Name or number', autocomplete: 'off' });
  const problemsOnly = h('input', { type: 'checkbox', id: 'problems-only' });
  const body = h('tbody');
  const more = h('button', { type: 'button', id: 'more', hidden: true }, 'Load more');
  const count = h('p', { class: 'hint', id: 'companies-count', 'aria-live': 'polite' });
  let companies = [];
  // Where the next page comes from: the company listing, or the health results by status.
  let next = null;
  let statuses = [];

  function matches(company, text) {
    if (!text) return true;
    const needle = text.toLowerCase();
    const digits = text.replace(/[^0-9]/g, '');
    return company.companyName.toLowerCase().includes(needle) || company.companyId.includes(needle)
      || (digits && company.phoneNumbers.some((n) => n.phoneNumber.replace(/[^0-9]/g, '').includes(digits)));
  }

  function draw() {
    const shown = companies.filter((company) => matches(company, filter.value.trim()));
    body.replaceChildren(...shown.map((company) => h('tr', { 'data-company': company.companyId },
      h('td', {}, h('a', { href: `#/companies/${encodeURIComponent(company.companyId)}` }, company.companyName || company.companyId)),
      h('td', { class: 'mono' }, company.phoneNumbers.map((n) => h('span', { class: `number number-${n.status}` }, n.phoneNumber, n.status === 'active' ? '' : ` (${n.status})`))),
      h('td', {}, company.callRoutingMode ?? '—'),
      h('td', {}, company.twilioConfigured ? 'yes' : h('strong', {}, 'no')),
      ...healthCells(company.health))));
    const what = problemsOnly.checked ? 'companies with problems' : 'companies';
    count.textContent = `${shown.length} of ${companies.length} ${what} shown${next || statuses.length ? ' (more to load)' : ''}.`;
    more.hidden = !(next || statuses.length);
  }

  /** A health result in the shape of a listed company. */
  function fromHealth(record) {
    return {
      companyId: record.companyId, companyName: record.companyName, callRoutingMode: null, twilioConfigured: record.configured,
      phoneNumbers: record.numbers.map((n) => ({ phoneNumber: n.phoneNumber, status: 'active' })),
      health: { status: record.status, checkedAt: record.checkedAt, problem: record.problems[0] ?? null },
    };
  }

  async function load() {
    more.disabled = true;
    try {
      if (problemsOnly.checked) {
        const { body: page } = await api.health(true, { status: statuses[0], after: next });
        companies.push(...page.companies.map(fromHealth));
        next = page.next;
        if (!next) statuses = statuses.slice(1);
      } else {
        const { body: page } = await api.companies(next);
        companies.push(...page.companies);
        next = page.next;
      }
      draw();
    } catch (error) {
      announce(error.message, 'error');
    } finally {
      more.disabled = false;
    }
  }

  async function restart() {
    companies = [];
    next = null;
    statuses = problemsOnly.checked ? ['DOWN', 'DEGRADED'] : [];
    await load();
    // A status with nothing in it gives an empty page: go on to the next one.
    while (problemsOnly.checked && companies.length === 0 && statuses.length) await load();
  }

  filter.addEventListener('input', draw);
  problemsOnly.addEventListener('change', restart);
  more.addEventListener('click', load);
  view.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'companies-title' },
    h('h2', { id: 'companies-title' }, 'Companies'),
    h('div', { class: 'field inline' }, h('label', { for: 'filter' }, 'Filter'), filter),
    h('div', { class: 'field inline' }, problemsOnly, h('label', { for: 'problems-only' }, 'Problems only (DOWN, then DEGRADED)')),
    count,
    h('div', { class: 'table-wrap' }, h('table', { id: 'companies-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Company'), h('th', { scope: 'col' }, 'Numbers'), h('th', { scope: 'col' }, 'Calls go to'),
        h('th', { scope: 'col' }, 'Twilio set up'), h('th', { scope: 'col' }, 'Health'), h('th', { scope: 'col' }, 'Checked'),
        h('th', { scope: 'col' }, 'First problem'))),
      body)),
    more));
  await restart();
}
