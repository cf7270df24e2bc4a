// One company's Twilio settings: Configuration and the Twilio Control Center.
import { h, field, showFieldError, clearFieldErrors, announce, badge, when } from '../dom.js';
import { api, APIError } from '../api.js';
import { mergePatch } from '../merge-patch.js';

const MODES = [['ai-agent', 'AI agent'], ['voicemail', 'Voicemail'], ['forward', 'Forward to a number']];
const FORWARD_FALLBACKS = [['voicemail', 'Voicemail'], ['hangup', 'Hang up']];
const SIGNINGS = [['auth-token', 'The auth token (Twilio’s default)'], ['shared-key', 'A shared key Switchboard holds (Public Beta)']];
const NUMBER_CHANNELS = [['sms', 'Calls and texts'], ['whatsapp', 'WhatsApp sender']];
const FORWARD_CHANNELS = [['sms', 'A text'], ['whatsapp', 'WhatsApp, from the company’s WhatsApp sender']];
const SMS_MODES = [['none', 'Nothing (archive only)'], ['auto-reply', 'Automatic reply'], ['forward', 'Forward to a number']];
const STRATEGIES = [['simultaneous', 'All at once: the first to take the call gets it'], ['sequential', 'One after another, in the order listed']];
const DAYS = [['mon', 'Mon'], ['tue', 'Tue'], ['wed', 'Wed'], ['thu', 'Thu'], ['fri', 'Fri'], ['sat', 'Sat'], ['sun', 'Sun']];
const SAME = ['', 'As when open'];
/** What Health found of a number's webhook, in words. */
const WEBHOOK_FINDINGS = {
  ok: 'set up here', not_set: 'no URL set', url_mismatch: 'pointing elsewhere', wrong_method: 'called with GET instead of POST',
  overridden: 'taken by a TwiML app or trunk', not_found: 'not in the account', unknown: 'not checked',
};
const finding = (code) => WEBHOOK_FINDINGS[code] ?? String(code).replace(/_/g, ' ');

/** The last calls or messages: when, direction, numbers, what Switchboard did, how it ended. */
function activityTable(kind, records) {
  if (!records.length) return h('p', { class: 'hint' }, kind === 'calls' ? 'No calls yet.' : 'No messages yet.');
  const ended = (record) => {
    const parts = [record.status ?? 'no outcome yet'];
    if (record.durationSeconds !== undefined) parts.push(`${record.durationSeconds} s`);
    if (record.decision === 'blocked') parts.push('refused: a blocked caller');
    if (record.acceptedBy) parts.push(`taken by ${record.acceptedBy} (pressed 1)`);
    if (record.screening === 'nobody-accepted') parts.push('nobody pressed 1');
    if (record.dialStatus) parts.push(`forward: ${record.dialStatus}${record.forwardFallback ? `, then ${record.forwardFallback}` : ''}`);
    if (record.recordingSid && record.recordingStatus !== 'absent') parts.push(`voicemail left${record.recordingDurationSeconds !== undefined ? ` (${record.recordingDurationSeconds} s)` : ''}`);
    if (record.recordingStatus === 'absent') parts.push('no message left');
    if (record.transcriptStatus === 'failed') parts.push('no transcript');
    if (record.errorCode) parts.push(`error ${record.errorCode}${record.errorMessage ? `: ${record.errorMessage}` : ''}`);
    const told = record.notification;
    if (told?.state === 'sent') parts.push(`company told ${when(told.sentAt)}`);
    else if (told?.state === 'failed') parts.push(`telling the company failed (${told.failures} ${told.failures === 1 ? 'try' : 'tries'}; next ${when(told.nextTryAt)}): ${told.lastError}`);
    else if (told?.state === 'abandoned') parts.push(`telling the company failed for good: ${told.lastError}`);
    else if (told?.state === 'pending' || told?.state === 'sending') parts.push('telling the company soon');
    return parts.join('; ');
  };
  return h('div', { class: 'table-wrap' }, h('table', { class: 'activity' },
    h('thead', {}, h('tr', {}, ['When', 'Direction', 'From', 'To', 'Switchboard', 'How it ended'].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, records.map((record) => h('tr', { 'data-sid': record.sid },
      h('td', {}, when(record.at)), h('td', {}, record.direction), h('td', { class: 'mono' }, record.from ?? '—'),
      h('td', { class: 'mono' }, record.to ?? '—'), h('td', {}, record.decision ?? '—'), h('td', { class: 'outcome' }, ended(record),
        record.transcript ? h('q', { class: 'transcript' }, record.transcript) : null))))));
}

/** The voicemails among the last calls: who, when, what they said, and a player loaded on demand. */
function voicemailList(companyId, records) {
  const left = records.filter((record) => record.recordingSid && record.recordingStatus !== 'absent');
  if (!left.length) return h('p', { class: 'hint' }, 'No voicemails among the last calls.');
  return h('ul', { class: 'voicemails' }, left.map((record) => {
    const player = h('div', { class: 'player' });
    const play = h('button', { type: 'button', class: 'play', 'data-recording': record.recordingSid }, 'Play');
    play.addEventListener('click', async () => {
      play.disabled = true;
      player.replaceChildren(h('p', {}, 'Loading…'));
      try {
        const blob = await api.recording(companyId, record.recordingSid);
        const audio = h('audio', { controls: true, preload: 'metadata', src: URL.createObjectURL(blob) });
        player.replaceChildren(audio);
        play.hidden = true;
      } catch (error) {
        player.replaceChildren(h('p', { class: 'error' }, error.message));
        play.disabled = false;
      }
    });
    const length = record.recordingDurationSeconds !== undefined ? `, ${record.recordingDurationSeconds} s` : '';
    return h('li', { 'data-sid': record.sid },
      h('p', {}, h('span', { class: 'mono' }, record.from ?? 'a withheld number'), ` — ${when(record.at)}${length}`),
      record.transcript ? h('q', { class: 'transcript' }, record.transcript)
        : h('p', { class: 'hint' }, record.transcriptStatus === 'failed' ? 'Twilio could not transcribe it.' : 'No transcript (yet).'),
      play, player);
  }));
}

export async function renderCompany(view, companyId, session) {
  view.replaceChildren(h('p', {}, 'Loading…'));
  let loaded;
  try {
    loaded = await api.config(companyId);
  } catch (error) {
    view.replaceChildren(h('section', { class: 'card' }, h('h2', {}, 'Company'), h('p', { class: 'error' }, error.message)));
    announce(error.message, 'error');
    return;
  }
  new CompanyForm(view, companyId, loaded.body, loaded.etag, session).render();
}

class CompanyForm {
  constructor(view, companyId, document, etag, session) {
    this.view = view;
    this.companyId = companyId;
    this.document = document;
    this.etag = etag;
    this.session = session;
    this.numbers = document.twilioConfig.phoneNumbers.map((n) => ({ ...n }));
    this.hours = (document.twilioConfig.businessHours ?? []).map((entry) => ({ ...entry, days: [...entry.days] }));
  }

  render() {
    const config = this.document.twilioConfig;
    this.inputs = {};
    const text = (name, value, attributes = {}) => (this.inputs[name] = h('input', { type: 'text', value: value ?? '', autocomplete: 'off', spellcheck: 'false', ...attributes }));
    const area = (name, value) => {
      const element = h('textarea', { rows: 3 });
      element.value = value ?? '';
      return (this.inputs[name] = element);
    };
    const list = (name, values, placeholder) => {
      const element = h('textarea', { rows: 2, placeholder, spellcheck: 'false' });
      element.value = (values ?? []).join('\n');
      return (this.inputs[name] = element);
    };
    const select = (name, options, value) => (this.inputs[name] = h('select', {}, options.map(([option, label]) => h('option', { value: option, selected: option === value }, label))));
    const afterHours = config.afterHours ?? {};
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

    this.form = h('form', { class: 'company', novalidate: true, 'aria-labelledby': 'company-title' },
      h('h2', { id: 'company-title' }, this.document.companyName, h('span', { class: 'hint mono' }, ` ${this.companyId}`)),
      h('section', { class: 'card', 'aria-labelledby': 'configuration-title' },
        h('h3', { id: 'configuration-title' }, 'Configuration'),
        field('Account SID', 'accountSid', text('accountSid', config.accountSid, { placeholder: 'AC…', inputmode: 'latin' })),
        this.secretField('Auth token', 'authToken', config.authToken, config.hasAuthToken),
        config.authTokenPreviousExpiresAt ? h('p', { class: 'hint' }, `The token it replaced is still accepted until ${new Date(config.authTokenPreviousExpiresAt).toLocaleString()}.`) : null,
        field('API key SID', 'apiKey', text('apiKey', config.apiKey, { placeholder: 'SK… (optional)' })),
        this.secretField('API key secret', 'apiSecret', config.apiSecret, config.hasApiSecret)),
      h('section', { class: 'card', 'aria-labelledby': 'control-title' },
        h('h3', { id: 'control-title' }, 'Twilio Control Center'),
        h('fieldset', {}, h('legend', {}, 'Numbers'),
          config.phoneNumber ? field('Legacy single number', 'phoneNumber', text('phoneNumber', config.phoneNumber), 'Older documents keep one number here; it is always active.') : null,
          this.numbersTable = h('div', { class: 'numbers' }),
          h('p', { class: 'field-error', id: 'f-phoneNumbers-error', hidden: true }),
          h('button', { type: 'button', id: 'add-number', onclick: () => this.addNumber() }, 'Add a number')),
        h('fieldset', {}, h('legend', {}, 'Hours'),
          field('Time zone', 'timezone', text('timezone', config.timezone, { placeholder: 'America/New_York', list: 'time-zones' }), 'The hours below are read on this clock, summer time included.'),
          h('datalist', { id: 'time-zones' }, zones.map((zone) => h('option', { value: zone }))),
          this.hoursTable = h('div', { class: 'hours' }),
          h('p', { class: 'field-error', id: 'f-businessHours-error', hidden: true }),
          h('button', { type: 'button', id: 'add-hours', onclick: () => this.addHours() }, 'Add opening hours'),
          field('Closed dates', 'closedDates', list('closedDates', config.closedDates, '2026-12-25'), 'Holidays, one a line (YYYY-MM-DD): the hours that start on these days do not open.'),
          this.afterHoursPart = h('div', { class: 'after-hours' },
            h('h4', {}, 'While closed'),
            field('Calls go to', 'afterHours.callRoutingMode', select('afterHours.callRoutingMode', [SAME, ...MODES], afterHours.callRoutingMode ?? '')),
            this.afterForwardField = field('Forward number', 'afterHours.forwardNumber', text('afterHours.forwardNumber', afterHours.forwardNumber, { placeholder: '+1 555 123 4567', inputmode: 'tel' }), 'Rings alone while closed, instead of the ring group.'),
            this.afterGreetingField = field('Voicemail greeting', 'afterHours.voicemailGreeting', area('afterHours.voicemailGreeting', afterHours.voicemailGreeting), 'Empty: the greeting used when open.'),
            field('Messages get', 'afterHours.smsMode', select('afterHours.smsMode', [SAME, ...SMS_MODES], afterHours.smsMode ?? '')),
            this.afterReplyField = field('Automatic reply', 'afterHours.smsAutoReply', area('afterHours.smsAutoReply', afterHours.smsAutoReply), 'Empty: the reply used when open.'))),
        h('fieldset', {}, h('legend', {}, 'Calls'),
          field('Calls go to', 'callRoutingMode', select('callRoutingMode', MODES, config.callRoutingMode ?? 'voicemail')),
          this.agentField = field('Agent stream URL', 'agentStreamUrl', text('agentStreamUrl', config.agentStreamUrl, { placeholder: 'wss://…' }), 'Empty: the platform’s agent.'),
          this.greetingField = field('Voicemail greeting', 'voicemailGreeting', area('voicemailGreeting', config.voicemailGreeting), 'Empty: “You have reached <company>…”.'),
          this.forwardField = field('Forward number', 'forwardNumber', text('forwardNumber', config.forwardNumber, { placeholder: '+1 555 123 4567', inputmode: 'tel' })),
          this.groupField = field('Ring group', 'forwardNumbers', list('forwardNumbers', config.forwardNumbers, '+1 555 123 4567'), 'One number a line, up to 10. When set, these ring instead of the forward number.'),
          this.strategyField = field('Ring the group', 'forwardStrategy', select('forwardStrategy', STRATEGIES, config.forwardStrategy ?? 'simultaneous')),
          this.ringField = field('Ring for (seconds)', 'forwardRingSeconds', text('forwardRingSeconds', config.forwardRingSeconds == null ? '' : String(config.forwardRingSeconds), { inputmode: 'numeric', placeholder: '20' }),
            'Each number in turn, or the whole group at once; then the caller gets what you chose below. A mobile’s own voicemail often answers after about 25 seconds.'),
          this.screeningField = h('div', { class: 'field inline' },
            this.inputs.forwardScreening = h('input', { type: 'checkbox', id: 'f-forwardScreening', checked: config.forwardScreening === true }),
            h('label', { for: 'f-forwardScreening' }, 'Ask whoever answers to press 1 to take the call (a mobile’s own voicemail or a fax never does)')),
          this.whisperField = field('Whisper to whoever answers', 'whisperMessage', area('whisperMessage', config.whisperMessage)),
          this.fallbackField = field('When nobody answers the forward', 'forwardFallback', select('forwardFallback', FORWARD_FALLBACKS, config.forwardFallback ?? 'voicemail'),
            'Also when the line is busy or the call fails. Voicemail plays the greeting above and records a message.'),
          h('div', { class: 'field inline' },
            this.inputs.recordingEnabled = h('input', { type: 'checkbox', id: 'f-recordingEnabled', checked: config.recordingEnabled }),
            h('label', { for: 'f-recordingEnabled' }, 'Record forwarded calls')),
          h('div', { class: 'field inline' },
            this.inputs.transcribeVoicemail = h('input', { type: 'checkbox', id: 'f-transcribeVoicemail', checked: config.transcribeVoicemail !== false }),
            h('label', { for: 'f-transcribeVoicemail' }, 'Transcribe voicemails (English, messages of 2 seconds to 2 minutes)'))),
        h('fieldset', {}, h('legend', {}, 'Voicemails and missed calls'),
          field('Text these numbers', 'notifySms', list('notifySms', config.notifySms, '+1 555 123 4567'), 'One a line, up to 10. Sent from the number that was called, through this company’s Twilio account.'),
          field('E-mail these addresses', 'notifyEmail', list('notifyEmail', config.notifyEmail, 'office@example.com'), 'One a line, up to 10.'),
          h('div', { class: 'field inline' },
            this.inputs.notifyVoicemail = h('input', { type: 'checkbox', id: 'f-notifyOn-voicemail', checked: (config.notifyOn ?? ['voicemail']).includes('voicemail') }),
            h('label', { for: 'f-notifyOn-voicemail' }, 'Tell them of every voicemail, with its transcript')),
          h('div', { class: 'field inline' },
            this.inputs.notifyMissed = h('input', { type: 'checkbox', id: 'f-notifyOn-missed-call', checked: (config.notifyOn ?? []).includes('missed-call') }),
            h('label', { for: 'f-notifyOn-missed-call' }, 'Tell them of every missed call (nobody answered, no message left)')),
          h('p', { class: 'field-error', id: 'f-notifyOn-error', hidden: true }),
          field('Keep recordings for (days)', 'recordingRetentionDays', text('recordingRetentionDays', config.recordingRetentionDays == null ? '' : String(config.recordingRetentionDays), { inputmode: 'numeric', placeholder: 'Empty: keep them' }),
            'Older recordings are deleted from this company’s Twilio account; their calls stay listed.')),
        h('fieldset', {}, h('legend', {}, 'Messages'),
          field('Messages get', 'smsMode', select('smsMode', SMS_MODES, config.smsMode ?? 'none')),
          this.replyField = field('Automatic reply', 'smsAutoReply', area('smsAutoReply', config.smsAutoReply)),
          this.smsForwardField = field('Forward messages to', 'smsForwardNumber', text('smsForwardNumber', config.smsForwardNumber, { placeholder: 'Empty: the forward number', inputmode: 'tel' })),
          field('Forward them as', 'smsForwardChannel', select('smsForwardChannel', FORWARD_CHANNELS, config.smsForwardChannel ?? 'sms'),
            'WhatsApp delivers a forward only within 24 hours of the forward number’s last WhatsApp message to the company.'),
          field('Send texts through messaging service', 'messagingServiceSid', text('messagingServiceSid', config.messagingServiceSid, { placeholder: 'MG… (empty: straight from the numbers)', spellcheck: 'false' }),
            'US texts need an A2P 10DLC campaign, which Twilio ties to a messaging service. Checked with Twilio when saved.')),
        h('fieldset', {}, h('legend', {}, 'Blocked callers'),
          field('Refuse calls and messages from', 'blockedCallers', list('blockedCallers', config.blockedCallers, '+1900*'),
            'One a line: a number, or a prefix ending in * (+1900* is every +1 900 number). Their calls are rejected as busy and not billed; their messages get no answer.'),
          h('div', { class: 'field inline' },
            this.inputs.rejectAnonymous = h('input', { type: 'checkbox', id: 'f-rejectAnonymous', checked: config.rejectAnonymous === true }),
            h('label', { for: 'f-rejectAnonymous' }, 'Refuse callers who withhold their number'))),
        h('fieldset', {}, h('legend', {}, 'Webhook signing'),
          field('Twilio signs webhooks with', 'webhookSigning', select('webhookSigning', SIGNINGS, config.webhookSigning ?? 'auth-token'),
            'A shared key is set up at Twilio (or removed) by “Save and set up webhooks on Twilio”; it needs an API key.'),
          h('p', { class: 'hint', id: 'shared-key-state' }, config.webhookSharedKey
            ? `Signing with ${config.webhookSharedKey.sid} (${config.webhookSharedKey.algorithm}).${config.webhookSharedKeyPreviousExpiresAt ? ` The key it replaced is accepted until ${new Date(config.webhookSharedKeyPreviousExpiresAt).toLocaleString()}.` : ''}`
            : 'No shared key is set up.'),
          h('div', { class: 'field inline' },
            this.inputs.requireSharedKey = h('input', { type: 'checkbox', id: 'f-requireSharedKey', checked: config.requireSharedKey, disabled: !config.webhookSharedKey }),
            h('label', { for: 'f-requireSharedKey' }, 'Refuse webhooks not signed with the shared key')),
          h('p', { class: 'field-error', id: 'f-requireSharedKey-error', hidden: true }))),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'test-connection', onclick: () => this.submit({ dryRun: true }) }, 'Test connection'),
        h('button', { type: 'submit', class: 'primary', id: 'save' }, 'Save'),
        h('button', { type: 'button', id: 'configure-webhooks', onclick: () => this.submit({ configureWebhooks: true }) }, 'Save and set up webhooks on Twilio')),
      this.result = h('div', { id: 'result', class: 'result', role: 'status', 'aria-live': 'polite' }),
      this.healthCard());
    this.form.addEventListener('submit', (event) => { event.preventDefault(); this.submit({}); });
    this.inputs.callRoutingMode.addEventListener('change', () => this.showModeFields());
    this.inputs.smsMode.addEventListener('change', () => this.showModeFields());
    this.inputs.forwardFallback.addEventListener('change', () => this.showModeFields());
    this.inputs['afterHours.callRoutingMode'].addEventListener('change', () => this.showModeFields());
    this.inputs['afterHours.smsMode'].addEventListener('change', () => this.showModeFields());
    this.drawNumbers();
    this.drawHours();
    this.showModeFields();
    this.view.replaceChildren(this.form, this.activityCard());
  }

  /** Health: "Check now" asks Twilio about this company's account and numbers, and shows what it found. */
  healthCard() {
    const found = h('div', { id: 'company-health', 'aria-live': 'polite' }, h('p', { class: 'hint' },
      'The sweep checks every company in turn; check this one now to see its account and each number’s webhooks.'));
    const button = h('button', { type: 'button', id: 'check-now' }, 'Check now');
    button.addEventListener('click', async () => {
      button.disabled = true;
      found.replaceChildren(h('p', {}, 'Checking…'));
      try {
        const { body: record } = await api.checkCompany(this.companyId);
        found.replaceChildren(
          h('p', {}, badge(record.status), ` checked ${when(record.checkedAt)}`, record.durationMs === null ? '' : ` in ${record.durationMs} ms`,
            record.consecutiveFailures > 1 ? `; DOWN ${record.consecutiveFailures} checks in a row, since ${when(record.failingSince)}` : ''),
          record.account ? h('p', {}, 'Account: ', record.account.message) : null,
          record.problems.length ? h('ul', { class: 'problems' }, record.problems.map((problem) => h('li', {}, problem))) : h('p', {}, 'Nothing is wrong.'),
          record.numbers.length ? h('ul', {}, record.numbers.map((n) => h('li', {}, h('span', { class: 'mono' }, n.phoneNumber), `: calls ${finding(n.voice)}; messages ${finding(n.sms)}`))) : null);
        announce(`Health: ${record.status}.`);
      } catch (error) {
        found.replaceChildren(h('p', { class: 'error' }, error.message));
        announce(error.message, 'error');
      } finally {
        button.disabled = false;
      }
    });
    return h('section', { class: 'card', 'aria-labelledby': 'company-health-title' }, h('h3', { id: 'company-health-title' }, 'Health'), button, found);
  }

  /** Calls and messages: the last of each with how it ended, and "Send a test message". */
  activityCard() {
    const calls = h('div', { id: 'activity-calls', 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
    const voicemails = h('div', { id: 'voicemails', 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
    const messages = h('div', { id: 'activity-messages', 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
    const optOuts = h('p', { id: 'opt-outs', 'aria-live': 'polite' }, 'Loading…');
    const load = async () => {
      try {
        const { body } = await api.optOuts(this.companyId);
        optOuts.replaceChildren(body.count === 0
          ? 'Nobody has opted out of this company’s messages.'
          : `${body.count} ${body.count === 1 ? 'number has' : 'numbers have'} opted out (replied STOP): nothing is sent to ${body.count === 1 ? 'it' : 'them'} until ${body.count === 1 ? 'it texts' : 'they text'} START. ${body.optOuts.map((entry) => entry.number).join(', ')}${body.next ? ', …' : ''}`);
      } catch (error) {
        optOuts.replaceChildren(h('span', { class: 'error' }, error.message));
      }
      for (const [kind, element] of [['calls', calls], ['messages', messages]]) {
        try {
          const { body } = await api.archive(this.companyId, kind);
          element.replaceChildren(activityTable(kind, body.records));
          if (kind === 'calls') voicemails.replaceChildren(voicemailList(this.companyId, body.records));
        } catch (error) {
          element.replaceChildren(h('p', { class: 'error' }, error.message));
          if (kind === 'calls') voicemails.replaceChildren(h('p', { class: 'error' }, error.message));
        }
      }
    };
    const to = h('input', { type: 'text', inputmode: 'tel', autocomplete: 'off', placeholder: '+1 555 765 4321' });
    const text = h('textarea', { rows: 2 });
    text.value = 'A test message from Switchboard.';
    const outcome = h('div', { id: 'test-result', class: 'result', role: 'status', 'aria-live': 'polite' });
    const form = h('form', { id: 'test-message', novalidate: true, 'aria-labelledby': 'test-message-title' },
      h('h4', { id: 'test-message-title' }, 'Send a test message'),
      field('Send to', 'to', to, 'From the company’s primary number, through its own Twilio account.'),
      field('Text', 'body', text),
      h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'send-test' }, 'Send a test message')),
      outcome);
    // One key per message typed: pressing again after a lost answer sends nothing twice.
    let key = crypto.randomUUID();
    to.addEventListener('input', () => { key = crypto.randomUUID(); });
    text.addEventListener('input', () => { key = crypto.randomUUID(); });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      const button = form.querySelector('#send-test');
      button.disabled = true;
      outcome.replaceChildren(h('p', {}, 'Sending…'));
      try {
        const { body } = await api.sendMessage(this.companyId, { to: to.value.trim(), body: text.value }, key);
        outcome.replaceChildren(h('p', { class: 'ok' }, `Sent from ${body.from} to ${body.to}: `, h('span', { class: 'mono' }, body.sid), ` (${body.status ?? 'accepted'}).`));
        announce('The test message was sent.');
        key = crypto.randomUUID();
        await load();
      } catch (error) {
        if (!(error instanceof APIError)) throw error;
        const unplaced = error.fieldErrors.filter((problem) => !showFieldError(form, problem.field, problem.message));
        outcome.replaceChildren(h('p', { class: 'error' }, error.message),
          unplaced.length ? h('ul', {}, unplaced.map((problem) => h('li', {}, `${problem.field}: ${problem.message}`))) : null);
        announce(error.message, 'error');
      } finally {
        button.disabled = false;
      }
    });
    load();
    return h('section', { class: 'card', 'aria-labelledby': 'activity-title' },
      h('h3', { id: 'activity-title' }, 'Calls and messages'),
      h('h4', {}, 'Voicemails'), voicemails,
      h('h4', {}, 'Last calls'), calls,
      h('h4', {}, 'Last messages'), messages,
      h('h4', {}, 'Opted out'), optOuts,
      form);
  }

  /** A secret: shown masked, replaced only when something is typed, with a reveal toggle for what was typed. */
  secretField(label, name, masked, stored) {
    const input = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false', placeholder: stored ? `${masked} (stored — type to replace)` : 'not set' });
    this.inputs[name] = input;
    const reveal = h('button', { type: 'button', class: 'reveal', 'aria-pressed': 'false', 'aria-controls': `f-${name}` }, 'Show what I typed');
    reveal.addEventListener('click', () => {
      const showing = input.type === 'text';
      input.type = showing ? 'password' : 'text';
      reveal.setAttribute('aria-pressed', String(!showing));
      reveal.textContent = showing ? 'Show what I typed' : 'Hide what I typed';
    });
    const remove = h('input', { type: 'checkbox', id: `remove-${name}` });
    this.inputs[`remove-${name}`] = remove;
    const element = field(label, name, input, stored ? `Stored: ${masked}. Leave empty to keep it.` : 'Nothing stored.');
    element.append(reveal);
    if (stored) element.append(h('span', { class: 'inline' }, remove, h('label', { for: `remove-${name}` }, 'Remove the stored value')));
    return element;
  }

  showModeFields() {
    const mode = this.inputs.callRoutingMode.value;
    this.agentField.hidden = mode !== 'ai-agent';
    this.greetingField.hidden = mode !== 'voicemail' && !(mode === 'forward' && this.inputs.forwardFallback.value === 'voicemail');
    this.forwardField.hidden = mode !== 'forward' && this.inputs.smsMode.value !== 'forward';
    this.whisperField.hidden = mode !== 'forward';
    this.ringField.hidden = mode !== 'forward';
    this.groupField.hidden = mode !== 'forward';
    this.strategyField.hidden = mode !== 'forward';
    this.screeningField.hidden = mode !== 'forward';
    this.fallbackField.hidden = mode !== 'forward';
    const afterMode = this.inputs['afterHours.callRoutingMode'].value;
    this.afterForwardField.hidden = afterMode !== 'forward';
    this.afterGreetingField.hidden = afterMode !== 'voicemail' && !(afterMode === '' && mode === 'voicemail');
    const afterSms = this.inputs['afterHours.smsMode'].value;
    this.afterReplyField.hidden = afterSms !== 'auto-reply' && !(afterSms === '' && this.inputs.smsMode.value === 'auto-reply');
    const sms = this.inputs.smsMode.value;
    this.replyField.hidden = sms !== 'auto-reply';
    this.smsForwardField.hidden = sms !== 'forward';
  }

  addNumber() {
    this.readNumbers();
    this.numbers.push({ phoneNumber: '', friendlyName: '', status: 'active', isPrimary: this.numbers.length === 0 });
    this.drawNumbers();
    this.numbersTable.querySelector(`#f-phoneNumbers-${this.numbers.length - 1}-phoneNumber`)?.focus();
  }

  drawNumbers() {
    const rows = this.numbers.map((number, index) => {
      const prefix = `phoneNumbers[${index}]`;
      const remove = h('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${number.phoneNumber || 'this number'}` }, 'Remove');
      remove.addEventListener('click', () => { this.readNumbers(); this.numbers.splice(index, 1); this.drawNumbers(); });
      const status = h('select', {}, [['active', 'Active'], ['inactive', 'Inactive']].map(([value, label]) => h('option', { value, selected: number.status === value }, label)));
      return h('div', { class: 'number-row', 'data-index': index },
        field('Number', `${prefix}.phoneNumber`, h('input', { type: 'text', value: number.phoneNumber, inputmode: 'tel', placeholder: '+1 555 123 4567' })),
        field('Name', `${prefix}.friendlyName`, h('input', { type: 'text', value: number.friendlyName ?? '', maxlength: 64 })),
        field('Status', `${prefix}.status`, status),
        field('Channel', `${prefix}.channel`, h('select', {}, NUMBER_CHANNELS.map(([value, label]) =>
          h('option', { value, selected: (number.channel ?? 'sms') === value }, label)))),
        h('div', { class: 'field inline' },
          h('input', { type: 'radio', name: 'primary', id: `primary-${index}`, checked: number.isPrimary }),
          h('label', { for: `primary-${index}` }, 'Primary')),
        remove);
    });
    this.numbersTable.replaceChildren(...(rows.length ? rows : [h('p', { class: 'hint' }, 'No numbers yet.')]));
  }

  addHours() {
    this.readHours();
    const last = this.hours[this.hours.length - 1];
    this.hours.push({ days: last ? [] : ['mon', 'tue', 'wed', 'thu', 'fri'], open: last ? '' : '09:00', close: last ? '' : '17:00' });
    if (!this.inputs.timezone.value.trim()) this.inputs.timezone.value = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
    this.drawHours();
    this.hoursTable.querySelector(`#f-businessHours-${this.hours.length - 1}-open`)?.focus();
  }

  /** The opening hours, a row each: its days, when it opens and closes, and Remove. */
  drawHours() {
    const rows = this.hours.map((entry, index) => {
      const prefix = `businessHours[${index}]`;
      const days = h('div', { class: 'field days', 'data-field': `${prefix}.days`, role: 'group', 'aria-label': `Days of opening ${index + 1}` },
        DAYS.map(([day, label]) => h('span', { class: 'inline' },
          h('input', { type: 'checkbox', id: `f-businessHours-${index}-days-${day}`, checked: entry.days.includes(day) }),
          h('label', { for: `f-businessHours-${index}-days-${day}` }, label))),
        h('p', { class: 'field-error', id: `f-businessHours-${index}-days-error`, hidden: true }));
      const remove = h('button', { type: 'button', class: 'remove', 'aria-label': `Remove opening ${index + 1}` }, 'Remove');
      remove.addEventListener('click', () => { this.readHours(); this.hours.splice(index, 1); this.drawHours(); });
      return h('div', { class: 'hours-row', 'data-index': index }, days,
        field('Opens', `${prefix}.open`, h('input', { type: 'text', value: entry.open, inputmode: 'numeric', placeholder: '08:00', maxlength: 5 })),
        field('Closes', `${prefix}.close`, h('input', { type: 'text', value: entry.close, inputmode: 'numeric', placeholder: '18:00', maxlength: 5 })),
        remove);
    });
    this.hoursTable.replaceChildren(...(rows.length ? rows : [h('p', { class: 'hint' }, 'No hours: always open, and the settings above apply at every hour.')]));
    this.afterHoursPart.hidden = !rows.length;
  }

  readHours() {
    this.hours = [...this.hoursTable.querySelectorAll('.hours-row')].map((row, index) => ({
      days: DAYS.map(([day]) => day).filter((day) => row.querySelector(`#f-businessHours-${index}-days-${day}`).checked),
      open: row.querySelector(`#f-businessHours-${index}-open`).value.trim(),
      close: row.querySelector(`#f-businessHours-${index}-close`).value.trim(),
    }));
  }

  readNumbers() {
    this.numbers = [...this.numbersTable.querySelectorAll('.number-row')].map((row, index) => ({
      phoneNumber: row.querySelector(`#f-phoneNumbers-${index}-phoneNumber`).value.trim(),
      friendlyName: row.querySelector(`#f-phoneNumbers-${index}-friendlyName`).value.trim() || null,
      status: row.querySelector(`#f-phoneNumbers-${index}-status`).value,
      isPrimary: row.querySelector(`#primary-${index}`).checked,
      channel: row.querySelector(`#f-phoneNumbers-${index}-channel`).value,
    }));
  }

  /** The settings the page edits, as they stand in the form (the secrets aside). */
  edited() {
    this.readNumbers();
    this.readHours();
    const value = (name) => { const text = this.inputs[name]?.value.trim(); return text ? text : null; };
    const lines = (name) => this.inputs[name].value.split(/[\n,]/).map((line) => line.trim()).filter((line) => line);
    const whole = (name) => { const text = value(name); return text !== null && /^[0-9]+$/.test(text) ? Number(text) : text; };
    const config = this.document.twilioConfig;
    const body = {
      accountSid: value('accountSid'),
      apiKey: value('apiKey'),
      phoneNumbers: this.numbers,
      callRoutingMode: this.inputs.callRoutingMode.value,
      forwardNumber: value('forwardNumber'),
      forwardNumbers: lines('forwardNumbers'),
      forwardStrategy: this.inputs.forwardStrategy.value,
      forwardRingSeconds: whole('forwardRingSeconds'),
      forwardScreening: this.inputs.forwardScreening.checked,
      timezone: value('timezone'),
      businessHours: this.hours,
      closedDates: lines('closedDates'),
      afterHours: Object.fromEntries(['callRoutingMode', 'forwardNumber', 'voicemailGreeting', 'smsMode', 'smsAutoReply']
        .map((name) => [name, value(`afterHours.${name}`)]).filter(([, setting]) => setting !== null)
        .concat(config.afterHours?.agentStreamUrl ? [['agentStreamUrl', config.afterHours.agentStreamUrl]] : [])),
      blockedCallers: lines('blockedCallers'),
      rejectAnonymous: this.inputs.rejectAnonymous.checked,
      recordingEnabled: this.inputs.recordingEnabled.checked,
      whisperMessage: value('whisperMessage'),
      forwardFallback: this.inputs.forwardFallback.value,
      voicemailGreeting: value('voicemailGreeting'),
      transcribeVoicemail: this.inputs.transcribeVoicemail.checked,
      recordingRetentionDays: whole('recordingRetentionDays'),
      notifySms: lines('notifySms'),
      notifyEmail: lines('notifyEmail'),
      notifyOn: [['voicemail', this.inputs.notifyVoicemail], ['missed-call', this.inputs.notifyMissed]].filter(([, box]) => box.checked).map(([event]) => event),
      agentStreamUrl: value('agentStreamUrl'),
      smsMode: this.inputs.smsMode.value,
      smsAutoReply: value('smsAutoReply'),
      smsForwardNumber: value('smsForwardNumber'),
      smsForwardChannel: this.inputs.smsForwardChannel.value,
      messagingServiceSid: value('messagingServiceSid'),
      webhookSigning: this.inputs.webhookSigning.value,
      requireSharedKey: this.inputs.requireSharedKey.checked,
    };
    if (this.inputs.phoneNumber) body.phoneNumber = value('phoneNumber');
    return body;
  }

  /** What a save sends: a JSON Merge Patch of the settings the admin changed, and a
   *  secret only when one was typed (or removed); everything else stays as stored. */
  patch() {
    const { authToken: _token, apiSecret: _secret, ...shown } = this.document.twilioConfig;
    const patch = mergePatch(shown, this.edited());
    for (const secret of ['authToken', 'apiSecret']) {
      const typed = this.inputs[secret].value.trim();
      if (this.inputs[`remove-${secret}`]?.checked) patch[secret] = null;
      else if (typed) patch[secret] = typed;  // left out: the stored value is kept
    }
    return patch;
  }

  async submit({ dryRun = false, configureWebhooks = false }) {
    clearFieldErrors(this.form);
    const buttons = [...this.form.querySelectorAll('.actions button')];
    buttons.forEach((button) => { button.disabled = true; });
    this.result.replaceChildren(h('p', {}, dryRun ? 'Asking Twilio…' : 'Saving…'));
    try {
      const { body, etag } = await api.save(this.companyId, this.patch(), { etag: dryRun ? undefined : this.etag, dryRun, configureWebhooks });
      if (dryRun) {
        const verification = body.verification;
        const confirmed = verification ? `Twilio confirmed the account (${verification.accountStatus ?? 'not asked'}) and ${verification.numbersConfirmed.length} number(s).` : 'Nothing needed confirming.';
        this.result.replaceChildren(h('p', { class: 'ok' }, `Connection works. ${confirmed} Nothing was saved.`));
        announce('Connection works. Nothing was saved.');
        return;
      }
      this.document = body;
      this.etag = etag;
      this.numbers = body.twilioConfig.phoneNumbers.map((n) => ({ ...n }));
      this.hours = (body.twilioConfig.businessHours ?? []).map((entry) => ({ ...entry, days: [...entry.days] }));
      this.render();
      const webhooks = body.webhooks ? h('ul', { id: 'webhook-report' }, body.webhooks.map((w) => h('li', {}, `${w.phoneNumber}: ${w.result}${w.changed.length ? ` (${w.changed.join(', ')})` : ''}${w.note ? ` — ${w.note}` : ''}`))) : null;
      const signing = body.signing ? h('p', { id: 'signing-report', class: body.signing.result === 'failed' ? 'error' : 'ok' },
        body.signing.result === 'failed' ? `Webhook signing was not changed: ${body.signing.error}`
          : body.signing.result === 'enabled' ? `Twilio now signs this company’s webhooks with shared key ${body.signing.report.sharedKey}.`
            : 'Twilio signs this company’s webhooks with its auth token again.') : null;
      // Only what happened: a plain Save has no webhook or signing report to show.
      this.result.replaceChildren(...[h('p', { class: 'ok' }, 'Saved.'), webhooks, signing].filter(Boolean));
      announce(body.webhooks ? 'Saved, and the webhooks were set up.' : 'Saved.');
      this.form.querySelector('#save')?.focus();
    } catch (error) {
      this.showError(error);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  showError(error) {
    if (!(error instanceof APIError)) throw error;
    const messages = [];
    for (const problem of error.fieldErrors) {
      if (!showFieldError(this.form, problem.field, problem.message)) messages.push(`${problem.field}: ${problem.message}`);
    }
    const summary = [h('p', { class: 'error' }, error.message)];
    if (error.status === 412) {
      summary.push(h('button', { type: 'button', id: 'reload', onclick: () => renderCompany(this.view, this.companyId, this.session) }, 'Reload the company'));
    }
    if (messages.length) summary.push(h('ul', {}, messages.map((message) => h('li', {}, message))));
    this.result.replaceChildren(...summary);
    announce(error.message, 'error');
    const first = this.form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }
}
