// Switchboard's admin page: sign in, companies, one company's settings, health.
import { h, announce, forgetAnnouncement } from './dom.js';
import { current, signOut } from './session.js';
import { renderSignIn } from './views/signin.js';
import { renderCompanies } from './views/companies.js';
import { renderCompany } from './views/company.js';
import { renderHealth } from './views/health.js';

const view = document.getElementById('view');

function showSession(session) {
  document.getElementById('who').hidden = !session;
  document.getElementById('tabs').hidden = !session;
  if (!session) return;
  const who = session.role === 'admin' ? 'platform admin' : `admin of company ${session.companyId}`;
  document.getElementById('who-text').textContent = `${session.subject} (${who}), until ${session.expires.toLocaleString()}`;
  document.getElementById('tab-companies').hidden = session.role !== 'admin';
  document.getElementById('tab-companies').href = session.role === 'admin' ? '#/companies' : `#/companies/${session.companyId}`;
}

async function route() {
  const session = current();
  showSession(session);
  if (!session) {
    renderSignIn(view, () => { location.hash = ''; route(); });
    return;
  }
  const path = location.hash.replace(/^#/, '') || (session.role === 'admin' ? '/companies' : `/companies/${session.companyId}`);
  for (const tab of document.querySelectorAll('#tabs a')) {
    tab.toggleAttribute('aria-current', path.startsWith(tab.getAttribute('href').slice(1)));
  }
  const company = path.match(/^\/companies\/([A-Za-z0-9_-]{1,64})$/);
  if (company) await renderCompany(view, company[1], session);
  else if (path === '/health') renderHealth(view, session);
  else if (path === '/companies' && session.role === 'admin') await renderCompanies(view);
  else if (path === '/companies') location.hash = `#/companies/${session.companyId}`;
  else view.replaceChildren(h('p', {}, 'There is no such page.'));
  document.getElementById('main').focus({ preventScroll: true });
}

document.getElementById('sign-out').addEventListener('click', () => {
  signOut();
  announce('Signed out.');
  location.hash = '';
  route();
});
window.addEventListener('hashchange', () => { forgetAnnouncement(); route(); });
route();
