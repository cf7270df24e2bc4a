// The dependency-health answer as a dashboard; with every company, the sweep's stored
// results: a summary, and the companies problems first, a page at a time.
import { h, badge, announce, when } from '../dom.js';
import { api } from '../api.js';

const names = { directory: 'Directory', cache: 'Cache (Redis)', twilio: 'Twilio' };

export function renderHealth(view, session) {
  const everyCompany = h('input', { type: 'checkbox', id: 'every-company' });
  const run = h('button', { type: 'button', class: 'primary', id: 'run-health' }, 'Run the check');
  const results = h('div', { id: 'health-results', 'aria-live': 'polite' });
  const admin = session.role === 'admin';

  run.addEventListener('click', async () => {
    run.disabled = true;
    results.replaceChildren(h('p', {}, 'Checking…'));
    try {
      const { status, body: report } = await api.health(admin && everyCompany.checked);
      results.replaceChildren(...drawReport(report, status));
      announce(`Health: ${report.overall}.`);
    } catch (error) {
      results.replaceChildren(h('p', { class: 'error' }, error.message));
      announce(error.message, 'error');
    } finally {
      run.disabled = false;
    }
  });

  view.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'health-title' },
    h('h2', { id: 'health-title' }, 'Dependency health'),
    admin ? null : h('p', { class: 'error' }, 'The health check is for platform admins; a company token is refused.'),
    admin ? h('div', { class: 'field inline' }, everyCompany, h('label', { for: 'every-company' }, 'Show every company’s last check too')) : null,
    run,
    results));
}

function drawReport(report, status) {
  const cards = Object.entries(report.dependencies).map(([name, dependency]) => h('article', { class: 'dependency', 'data-dependency': name },
    h('h3', {}, names[name] ?? name, ' ', badge(dependency.status)),
    h('p', {}, dependency.message),
    h('dl', {},
      h('dt', {}, 'Latency'), h('dd', {}, dependency.latencyMs === null ? '—' : `${dependency.latencyMs} ms`),
      h('dt', {}, 'Critical'), h('dd', {}, dependency.critical ? 'yes' : 'no'),
      dependency.details?.credentialSource !== undefined ? [h('dt', {}, 'Credentials'), h('dd', {}, dependency.details.credentialSource ?? 'none')] : null,
      dependency.details?.accountStatus ? [h('dt', {}, 'Account'), h('dd', {}, dependency.details.accountStatus)] : null,
      dependency.details?.store ? [h('dt', {}, 'Store'), h('dd', { class: 'mono' }, dependency.details.store)] : null)));
  const parts = [
    h('p', { class: 'overall' }, 'Overall ', badge(report.overall), ` (HTTP ${status}, checked ${when(report.checkedAt)})`),
    h('div', { class: 'dependencies' }, cards),
  ];
  if (report.summary) parts.push(...drawCompanies(report));
  return parts;
}

/** The sweep's summary, and its results with a way to read further pages. */
function drawCompanies(report) {
  const s = report.summary;
  const figures = [['Companies', s.companies], ['Configured', s.configured], ['Checked', s.checked], ['Never checked', s.neverChecked],
    ['DOWN', s.down], ['DEGRADED', s.degraded], ['Oldest check', when(s.oldestCheckAt)]];
  const body = h('tbody');
  const more = h('button', { type: 'button', id: 'more-health', hidden: !report.next }, 'Load more');
  let next = report.next;
  const add = (companies) => body.append(...companies.map((company) => h('tr', { 'data-company': company.companyId },
    h('td', {}, h('a', { href: `#/companies/${encodeURIComponent(company.companyId)}` }, company.companyName || company.companyId)),
    h('td', {}, badge(company.status)),
    h('td', {}, when(company.checkedAt)),
    h('td', {}, company.problems.length ? h('ul', {}, company.problems.map((problem) => h('li', {}, problem))) : (company.status ? 'nothing' : 'not checked yet')))));
  add(report.companies);
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const { body: page } = await api.health(true, { after: next });
      add(page.companies);
      next = page.next;
      more.hidden = !next;
    } catch (error) {
      announce(error.message, 'error');
    } finally {
      more.disabled = false;
    }
  });
  return [
    h('h3', {}, 'Every company'),
    h('dl', { class: 'summary', id: 'health-summary' }, figures.map(([label, value]) => h('div', {}, h('dt', {}, label), h('dd', {}, String(value))))),
    h('p', { class: 'hint' }, 'The sweep checks every company in turn, every five minutes; a company’s page has “Check now”.'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'health-companies' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Company'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Checked'), h('th', { scope: 'col' }, 'What is wrong'))),
      body)),
    more,
  ];
}
