// The dependency-health answer as a dashboard.
import { h, badge, announce } from '../dom.js';
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
    admin ? h('div', { class: 'field inline' }, everyCompany, h('label', { for: 'every-company' }, 'Check every company’s account and webhooks too')) : null,
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
    h('p', { class: 'overall' }, 'Overall ', badge(report.overall), ` (HTTP ${status}, checked ${new Date(report.checkedAt).toLocaleString()})`),
    h('div', { class: 'dependencies' }, cards),
  ];
  if (report.companies) {
    parts.push(h('h3', {}, 'Every company'), h('div', { class: 'table-wrap' }, h('table', { id: 'health-companies' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Company'), h('th', { scope: 'col' }, 'Account'), h('th', { scope: 'col' }, 'What is wrong'))),
      h('tbody', {}, report.companies.map((company) => h('tr', {},
        h('td', {}, company.companyName),
        h('td', {}, badge(company.account.status)),
        h('td', {}, company.problems.length ? h('ul', {}, company.problems.map((problem) => h('li', {}, problem))) : 'nothing')))))));
  }
  return parts;
}
