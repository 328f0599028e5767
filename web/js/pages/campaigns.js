// Messaging · Campaigns: one text to a list. New campaign: a name, the recipients from a CSV
// (its header read here, so its columns can be used as {placeholders}) or pasted numbers, the
// text with its counter, and whether it is sent now, at a time, or kept as a draft to see its
// exact cost first. A campaign's page: counts per status, its cost and what is short, the rows
// the import refused, Start or Delete for a draft and Remove outbox for what it has not sent yet.
import { api, idempotencyKey } from '../api.js';
import { costPanel, scheduleField, senderField, textareaField, textCounter } from '../compose.js';
import { countryName } from '../countries.js';
import { h, icon, replace } from '../dom.js';
import { credits, dateTime, isPositive } from '../format.js';
import { clearErrors, onBusyClick, showErrors, submitButton, summarySlot } from '../forms.js';
import { refreshOutboxBadge } from '../layout.js';
import { facts, list, refreshBalance } from '../money.js';
import { notify, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import {
  CAMPAIGN_STATUSES,
  campaignPill,
  creditsText,
  defaultCountry,
  estimateCost,
  estimateFile,
  MESSAGE_STATUSES,
  measureText,
  parseRecipients,
  partsLabel,
} from '../sms.js';
import { confirmDialog } from './dialog.js';
import { messageRow, messagesTable } from './messages.js';

/** The header names the server takes as the phone column. */
const PHONE_COLUMNS = ['phone', 'phone_number', 'mobile', 'number', 'to', 'msisdn', 'recipient'];
const FOLLOW_MS = 3000;
const HEADER_BYTES = 64 * 1024;
const COUNT_ROWS_UP_TO = 5 * 1024 * 1024;

/** Counts in the order a campaign moves through them. */
const COUNT_ORDER = [
  'draft',
  'scheduled',
  'queued',
  'waiting_credit',
  'sending',
  'sent',
  'delivered',
  'failed',
  'canceled',
];
const COUNT_LABELS = { ...MESSAGE_STATUSES, draft: 'Not started' };
const OUTBOX_COUNTS = ['scheduled', 'queued', 'waiting_credit'];

let handedOver = null;

/** Numbers (and a text) from the Send SMS page, for the new campaign form to start from. */
export function handOverToCampaign(draft) {
  handedOver = draft;
}

/** The header of a CSV: its columns and separator, and the phone column if one is named. */
export function csvHeader(firstLine) {
  const line = firstLine.replace(/^\uFEFF/, '');
  const counts = [',', ';', '\t'].map((sep) => [sep, line.split(sep).length - 1]);
  const [separator] = counts.sort((a, b) => b[1] - a[1])[0];
  const columns = line
    .split(separator)
    .map((c) =>
      c
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim(),
    )
    .filter(Boolean);
  const phone = columns.find((c) => PHONE_COLUMNS.includes(c.toLowerCase().replace(/[\s-]/g, '_'))) ?? null;
  return { separator, columns, phone };
}

const SEPARATOR_NAMES = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

/** Reads the file's header (and counts its rows when it is small enough to read here). */
async function readCsv(file) {
  const head = await file.slice(0, HEADER_BYTES).text();
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  const header = csvHeader(firstLine);
  let rows = null;
  if (file.size <= COUNT_ROWS_UP_TO) {
    const all = await file.text();
    rows = all
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l.trim() !== '').length;
  }
  return { ...header, rows };
}

function countsGrid(c, campaignId) {
  const counts = c.counts ?? {};
  return h(
    'ul',
    { class: 'count-grid', 'data-testid': 'campaign-counts' },
    COUNT_ORDER.filter((s) => s !== 'draft' || counts.draft > 0 || c.status === 'draft').map((s) =>
      h(
        'li',
        { class: ['count', `count-${s}`, counts[s] ? null : 'count-zero'], 'data-status': s },
        h('span', { class: 'count-value', 'data-testid': `count-${s}` }, String(counts[s] ?? 0)),
        s === 'draft'
          ? h('span', { class: 'count-label' }, COUNT_LABELS[s])
          : h(
              'a',
              {
                class: 'count-label',
                href: `/messages?campaignId=${encodeURIComponent(campaignId)}&status=${s}`,
              },
              COUNT_LABELS[s],
            ),
      ),
    ),
  );
}

function progressOf(c) {
  const counts = c.counts ?? {};
  const done = (counts.delivered ?? 0) + (counts.failed ?? 0) + (counts.sent ?? 0) + (counts.canceled ?? 0);
  return { done, total: c.recipients ?? 0 };
}

function outboxOf(c) {
  const counts = c.counts ?? {};
  return OUTBOX_COUNTS.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
}

// ---- List ----

function campaignRow(c) {
  const { done, total } = progressOf(c);
  return h(
    'tr',
    { 'data-campaign-id': c.id, 'data-status': c.status },
    h('td', { class: 'nowrap cell-date' }, dateTime(c.createdAt)),
    h(
      'td',
      { class: 'cell-title' },
      h('a', { href: `/campaigns/${encodeURIComponent(c.id)}`, class: 'strong-link' }, c.name),
      h(
        'div',
        { class: 'muted small' },
        `${c.recipients} recipients${c.invalid ? ` · ${c.invalid} refused rows` : ''}`,
      ),
    ),
    h('td', { class: 'cell-status' }, campaignPill(c.status)),
    h(
      'td',
      { class: 'cell-progress' },
      h('progress', {
        class: 'progress progress-inline',
        max: total || 1,
        value: done,
        'aria-label': `${done} of ${total} done`,
      }),
      h('span', { class: 'muted small' }, `${done} of ${total} done`),
      c.counts?.waiting_credit
        ? h('div', { class: 'small text-warning' }, `${c.counts.waiting_credit} waiting for credit`)
        : null,
    ),
    h('td', { class: 'num cell-credits' }, credits(c.estimate?.credits)),
  );
}

export async function campaignsPage({ signal }) {
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Show more');
  const empty = h(
    'p',
    { class: 'empty', hidden: true },
    'No campaigns yet. ',
    h('a', { href: '/campaigns/new' }, 'Create your first campaign'),
    ' from a CSV file or a list of numbers.',
  );
  let cursor = null;
  const load = async () => {
    const params = new URLSearchParams({ limit: '25' });
    if (cursor) params.set('cursor', cursor);
    const page = await api.get(`/campaigns?${params}`, { signal });
    body.append(...list(page).map(campaignRow));
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
  };
  onBusyClick(more, load);
  await load();
  return h(
    'section',
    { class: 'page page-wide' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h(
        'div',
        {},
        h('h1', {}, 'Campaigns'),
        h(
          'p',
          { class: 'lead' },
          'One text to a list of numbers. Messages are reserved in order as far as your credit goes; the rest waits in the ',
          h('a', { href: '/outbox' }, 'outbox'),
          ' and goes out by itself when credit arrives.',
        ),
      ),
      h('a', { href: '/campaigns/new', class: 'button button-primary' }, icon('campaign'), 'New campaign'),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-hover table-stack table-campaigns', 'data-testid': 'campaigns-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Created'),
              h('th', { scope: 'col' }, 'Campaign'),
              h('th', { scope: 'col' }, 'Status'),
              h('th', { scope: 'col' }, 'Progress'),
              h('th', { scope: 'col', class: 'num' }, 'Credits'),
            ),
          ),
          body,
        ),
      ),
      empty,
      h('div', { class: 'table-more' }, more),
    ),
  );
}

// ---- New ----

export async function newCampaignPage() {
  const draft = handedOver;
  handedOver = null;
  const country = defaultCountry();

  const name = h('input', {
    id: 'campaign-name',
    name: 'name',
    type: 'text',
    required: true,
    maxlength: 200,
    autocomplete: 'off',
  });
  const nameField = h(
    'div',
    { class: 'field field-wide' },
    h(
      'label',
      { for: 'campaign-name' },
      'Name',
      h('span', { class: 'required', 'aria-hidden': 'true' }, ' *'),
    ),
    name,
    h('p', { class: 'hint' }, 'For you: it is not sent. E.g. “Spring sale, Madrid”.'),
    h('p', { class: 'field-error', hidden: true }),
  );

  // Recipients: a CSV file or pasted numbers.
  const sourceRadio = (value, label, checked) =>
    h(
      'label',
      { class: 'segment' },
      h('input', { type: 'radio', name: 'source', value, checked }),
      h('span', {}, label),
    );
  const source = h(
    'div',
    { class: 'segmented', role: 'radiogroup', 'aria-label': 'Recipients from' },
    sourceRadio('csv', 'Upload a CSV file', !draft),
    sourceRadio('paste', 'Paste numbers', Boolean(draft)),
  );
  const file = h('input', {
    id: 'campaign-file',
    name: 'file',
    type: 'file',
    accept: '.csv,text/csv,text/plain',
  });
  const fileInfo = h('div', { class: 'file-info', 'aria-live': 'polite', 'data-testid': 'csv-info' });
  const csvPanel = h(
    'div',
    { class: 'field field-wide source-csv' },
    h('label', { for: 'campaign-file' }, 'CSV file'),
    file,
    h(
      'div',
      { class: 'hint csv-format' },
      h('p', { class: 'csv-format-line' }, 'The format: a header row first, then one recipient per row.'),
      h(
        'ul',
        {},
        h(
          'li',
          {},
          'One column names the number: ',
          h('code', {}, 'phone'),
          ' (or mobile, number, to, msisdn, recipient).',
        ),
        h(
          'li',
          {},
          'Columns are separated by ',
          h('code', {}, ','),
          ' or ',
          h('code', {}, ';'),
          ' (or a tab); UTF-8.',
        ),
        h('li', {}, 'Other columns can be used in the text as {placeholders}, e.g. {name}.'),
        h(
          'li',
          {},
          country
            ? `Numbers without + are read as ${countryName(country)} numbers (your default country).`
            : 'Write numbers with + and the country code.',
        ),
      ),
      h('pre', { class: 'csv-sample' }, 'phone;name\n+34612345678;Ana\n612345679;Luis'),
    ),
    fileInfo,
    h('p', { class: 'field-error', hidden: true }),
  );
  const pasted = textareaField({
    name: 'recipients',
    label: 'Numbers',
    rows: 6,
    value: draft?.numbers?.join('\n') ?? '',
    hint: country
      ? `One number per line. Numbers without + are read as ${countryName(country)} numbers (your default country).`
      : 'One number per line, with + and the country code.',
    attrs: { spellcheck: 'false', autocomplete: 'off' },
  });
  const pastedCount = h('p', { class: 'hint', 'aria-live': 'polite' });
  const pastePanel = h('div', { class: 'source-paste' }, pasted.node, pastedCount);

  const placeholderChips = h('div', { class: 'chips', hidden: true, 'data-testid': 'csv-columns' });
  const text = textareaField({
    name: 'text',
    label: 'Message',
    rows: 5,
    required: true,
    value: draft?.text ?? '',
    hint: 'Columns of your CSV can be used as {placeholders}: each is replaced by the value in that recipient’s row.',
  });
  const counter = textCounter(text.control, { placeholders: true });
  const sender = senderField();
  if (draft?.from) sender.input.value = draft.from;

  const schedule = scheduleField({ label: 'Start at' });
  schedule.node.hidden = true;
  const whenRadio = (value, label, hint, checked) =>
    h(
      'label',
      { class: 'option' },
      h('input', { type: 'radio', name: 'when', value, checked }),
      h('span', { class: 'option-text' }, h('strong', {}, label), h('span', { class: 'muted small' }, hint)),
    );
  const when = h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, 'When'),
    h(
      'div',
      { class: 'option-list' },
      whenRadio(
        'draft',
        'Save as a draft',
        'See its exact cost and the refused rows, then press Start.',
        true,
      ),
      whenRadio(
        'now',
        'Send now',
        'Messages are reserved in order as far as your credit goes; the rest waits in the outbox.',
        false,
      ),
      whenRadio('later', 'Schedule', 'It starts by itself at the time you choose.', false),
    ),
    schedule.node,
  );

  const cost = costPanel({ title: 'Cost before starting' });
  const button = submitButton('Save draft');
  const form = h(
    'form',
    { class: 'form card', novalidate: true, 'aria-label': 'New campaign' },
    summarySlot(),
    nameField,
    h('fieldset', { class: 'fieldset' }, h('legend', {}, 'Recipients'), source, csvPanel, pastePanel),
    text.node,
    placeholderChips,
    counter.node,
    h('div', { class: 'form-grid' }, sender.node),
    when,
    h('div', { class: 'form-actions' }, button),
  );

  const sourceValue = () => form.querySelector('input[name="source"]:checked')?.value ?? 'csv';
  const whenValue = () => form.querySelector('input[name="when"]:checked')?.value ?? 'draft';
  let csv = null;

  const insertPlaceholder = (column) => {
    const area = text.control;
    const at = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? at;
    const token = `{${column}}`;
    area.value = `${area.value.slice(0, at)}${token}${area.value.slice(end)}`;
    area.focus();
    area.setSelectionRange(at + token.length, at + token.length);
    area.dispatchEvent(new Event('input'));
  };

  const renderChips = () => {
    const columns = sourceValue() === 'csv' ? (csv?.columns ?? []).filter((c) => c !== csv.phone) : [];
    placeholderChips.hidden = columns.length === 0;
    replace(
      placeholderChips,
      h('span', { class: 'muted small' }, 'Insert: '),
      columns.map((c) =>
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            onclick: () => insertPlaceholder(c),
            'aria-label': `Insert {${c}}`,
          },
          `{${c}}`,
        ),
      ),
    );
  };

  let estimateTimer = null;
  let estimateRun = 0;
  const updateEstimate = () => {
    clearTimeout(estimateTimer);
    estimateTimer = setTimeout(async () => {
      const run = ++estimateRun;
      if (!text.control.value.trim()) {
        cost.render(null, 'Write the text to see the cost.');
        return;
      }
      if (sourceValue() === 'csv') {
        if (!csv) {
          cost.render(null, 'Choose the CSV file to see the cost.');
          return;
        }
        const fallback = () => {
          const m = measureText(text.control.value);
          cost.render(
            null,
            `${csv.rows ?? 'Its'} ${csv.rows === 1 ? 'row' : 'rows'} × ${partsLabel(m.segments)} × the price of each row’s country. Save it as a draft to see the exact cost, what your credit covers and any refused rows before it starts.`,
          );
        };
        try {
          const estimate = await estimateFile(file.files[0], text.control.value, {
            from: sender.input.value || undefined,
          });
          if (run !== estimateRun) return;
          if (estimate) cost.render(estimate);
          else fallback();
        } catch {
          if (run === estimateRun) fallback();
        }
        return;
      }
      const numbers = parseRecipients(pasted.control.value).numbers;
      if (!numbers.length) {
        cost.render(null, 'Paste the numbers to see the cost.');
        return;
      }
      try {
        const estimate = await estimateCost(numbers, text.control.value);
        if (run === estimateRun) cost.render(estimate);
      } catch (error) {
        if (run === estimateRun)
          cost.render(null, `The cost cannot be worked out just now (${error.message}).`);
      }
    }, 350);
  };

  const renderSource = () => {
    const isCsv = sourceValue() === 'csv';
    csvPanel.hidden = !isCsv;
    pastePanel.hidden = isCsv;
    renderChips();
    updateEstimate();
  };
  for (const input of source.querySelectorAll('input')) input.addEventListener('change', renderSource);

  file.addEventListener('change', async () => {
    csv = null;
    replace(fileInfo);
    const chosen = file.files?.[0];
    if (!chosen) {
      renderChips();
      updateEstimate();
      return;
    }
    try {
      csv = await readCsv(chosen);
      replace(
        fileInfo,
        h(
          'p',
          { class: csv.phone ? 'callout callout-success' : 'callout callout-warning' },
          icon(csv.phone ? 'check' : 'alert'),
          h(
            'span',
            {},
            h('strong', {}, chosen.name),
            csv.rows !== null ? ` · ${csv.rows} ${csv.rows === 1 ? 'row' : 'rows'}` : '',
            ` · separated by ${SEPARATOR_NAMES[csv.separator]} · columns: `,
            csv.columns.map((c, i) => [i ? ', ' : '', h('code', {}, c)]),
            csv.phone
              ? ` · numbers in “${csv.phone}”`
              : '. No column is named phone (or mobile, number, to, msisdn, recipient): rename the numbers’ column in the header row.',
          ),
        ),
      );
      if (!name.value) name.value = chosen.name.replace(/\.[^.]+$/, '');
    } catch {
      replace(
        fileInfo,
        h(
          'p',
          { class: 'callout callout-warning' },
          icon('alert'),
          h('span', {}, 'This file cannot be read here; the server will still check it.'),
        ),
      );
    }
    renderChips();
    updateEstimate();
  });

  const renderPasted = () => {
    const { numbers, duplicates, malformed } = parseRecipients(pasted.control.value);
    const parts = [`${numbers.length} ${numbers.length === 1 ? 'number' : 'numbers'}`];
    if (duplicates) parts.push(`${duplicates} repeated left out`);
    if (malformed.length) parts.push(`${malformed.length} lines are not numbers`);
    pastedCount.textContent = numbers.length || malformed.length ? parts.join(' · ') : '';
  };
  pasted.control.addEventListener('input', () => {
    renderPasted();
    updateEstimate();
  });
  text.control.addEventListener('input', updateEstimate);

  const BUTTON_LABELS = { draft: 'Save draft', now: 'Start campaign', later: 'Schedule campaign' };
  for (const input of when.querySelectorAll('input')) {
    input.addEventListener('change', () => {
      schedule.node.hidden = whenValue() !== 'later';
      button.textContent = BUTTON_LABELS[whenValue()];
    });
  }
  renderSource();
  renderPasted();

  // One Idempotency-Key per attempt: kept while the same campaign is retried with no answer.
  let attempt = null;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const problems = [];
    if (!name.value.trim()) problems.push({ path: 'name', message: 'is required' });
    if (!text.control.value.trim()) problems.push({ path: 'text', message: 'is required' });
    const isCsv = sourceValue() === 'csv';
    const numbers = parseRecipients(pasted.control.value).numbers;
    if (isCsv && !file.files?.[0]) problems.push({ path: 'file', message: 'Choose a CSV file' });
    if (!isCsv && !numbers.length) problems.push({ path: 'recipients', message: 'holds no phone number' });
    if (problems.length) {
      showErrors(form, problems);
      return;
    }
    if (!sender.check()) return sender.input.focus();
    if (whenValue() === 'later' && !schedule.check()) return schedule.input.focus();

    const fields = { name: name.value.trim(), text: text.control.value };
    if (sender.input.value) fields.from = sender.input.value;
    if (whenValue() === 'later') fields.scheduleAt = schedule.value();
    if (whenValue() === 'draft') fields.draft = true;
    const chosen = isCsv ? file.files[0] : null;
    const fingerprint = JSON.stringify({
      fields,
      file: chosen ? [chosen.name, chosen.size, chosen.lastModified] : null,
      numbers: isCsv ? null : numbers,
    });
    if (attempt?.fingerprint !== fingerprint) attempt = { fingerprint, key: idempotencyKey() };

    let body;
    if (isCsv) {
      body = new FormData();
      for (const [k, v] of Object.entries(fields)) body.append(k, String(v));
      body.append('file', chosen, chosen.name); // the fields first, then the file (read as a stream)
    } else {
      body = { ...fields, recipients: numbers.map((to) => ({ to })) };
    }
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const created = await api.post('/campaigns', body, { headers: { 'idempotency-key': attempt.key } });
      attempt = null;
      const said = [`${created.recipients} recipients`];
      if (created.invalid) said.push(`${created.invalid} ${created.invalid === 1 ? 'row' : 'rows'} refused`);
      if (created.duplicates)
        said.push(
          `${created.duplicates} repeated ${created.duplicates === 1 ? 'number' : 'numbers'} left out`,
        );
      if (created.waitingCredit) said.push(`${created.waitingCredit} waiting for credit`);
      notify(
        `Campaign ${created.status === 'draft' ? 'saved as a draft' : created.status === 'scheduled' ? 'scheduled' : 'started'}: ${said.join(', ')}.`,
      );
      refreshBalance();
      refreshOutboxBadge();
      navigate(`/campaigns/${encodeURIComponent(created.id)}`);
    } catch (error) {
      if (error?.status !== 0) attempt = null;
      if (error?.code === 'validation_failed') {
        showErrors(
          form,
          error.fields.map((f) => ({
            path: f.path.replace(/^recipients\.\d+\.to$/, 'recipients'),
            message: f.message,
          })),
        );
      }
      notifyError(error);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });

  return h(
    'section',
    { class: 'page page-wide' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '/campaigns' }, 'Campaigns'), ' / New'),
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, 'New campaign'),
      h(
        'p',
        { class: 'lead' },
        'Check the cost first: save it as a draft and its page shows what it needs and what your credit covers. ',
        h('a', { href: '/pricing' }, 'Price list'),
      ),
    ),
    h('div', { class: 'split send-split' }, form, h('div', { class: 'send-side' }, cost.node)),
  );
}

// ---- One campaign ----

function invalidRowsCard(rows, total) {
  if (!total) return null;
  return h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'campaign-invalid' },
    h('h2', { id: 'campaign-invalid', class: 'card-title' }, `Refused rows (${total})`),
    h('p', { class: 'muted small' }, 'These rows were left out; nothing is sent to them or charged.'),
    h(
      'div',
      { class: 'table-wrap table-scroll' },
      h(
        'table',
        { class: 'table table-compact', 'data-testid': 'invalid-rows' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col', class: 'num' }, 'Row'),
            h('th', { scope: 'col' }, 'Number'),
            h('th', { scope: 'col' }, 'Why'),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h(
              'tr',
              {},
              h('td', { class: 'num' }, String(r.row)),
              h('td', {}, h('code', {}, r.to || '(empty)')),
              h('td', {}, r.reason),
            ),
          ),
        ),
      ),
    ),
    rows.length < total ? h('p', { class: 'muted small' }, `The first ${rows.length} are shown.`) : null,
  );
}

export async function campaignPage({ params, signal }) {
  const id = params.id;
  const path = `/campaigns/${encodeURIComponent(id)}`;
  let campaign = await api.get(path, { signal });
  const invalid = campaign.invalid
    ? list(await api.get(`${path}/invalid?limit=100`, { signal }).catch(() => ({ data: [] })))
    : [];

  const head = h('div', {});
  const actions = h('div', { class: 'button-row' });
  const body = h('div', { class: 'grid grid-2' });
  const messagesBody = h('tbody');
  const messagesCard = h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'campaign-messages' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'campaign-messages', class: 'card-title' }, 'Latest messages'),
      h('a', { href: `/messages?campaignId=${encodeURIComponent(id)}` }, 'All of them'),
    ),
    messagesTable(messagesBody, { campaignColumn: false }),
  );
  const cost = costPanel({ title: 'Cost' });

  const loadMessages = async () => {
    try {
      const page = await api.get(`/messages?campaignId=${encodeURIComponent(id)}&limit=10`, { signal });
      replace(messagesBody, ...list(page).map((m) => messageRow(m, { campaignColumn: false })));
    } catch (error) {
      if (error?.name !== 'AbortError') replace(messagesBody);
    }
  };

  const start = async () => {
    const ok = await confirmDialog({
      title: `Start “${campaign.name}”?`,
      text: `${campaign.recipients} messages are reserved in order as far as your credit goes${
        isPositive(campaign.estimate?.shortfall)
          ? `; ${creditsText(campaign.estimate.shortfall)} missing, so the rest waits in the outbox until credit arrives`
          : ''
      }.`,
      confirm: 'Start campaign',
    });
    if (!ok) return;
    try {
      campaign = await api.post(`${path}/start`, undefined, {
        headers: { 'idempotency-key': idempotencyKey() },
      });
      notify('Campaign started.');
      render();
      refreshBalance();
      refreshOutboxBadge();
      follow();
    } catch (error) {
      notifyError(error);
    }
  };

  const remove = async () => {
    const ok = await confirmDialog({
      title: `Delete “${campaign.name}”?`,
      text: `The draft and its ${campaign.recipients} ${campaign.recipients === 1 ? 'recipient' : 'recipients'} are deleted. Nothing was reserved for it, so your credit does not change.`,
      confirm: 'Delete draft',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.delete(path);
      notify('Draft deleted.');
      navigate('/campaigns', { replace: true });
    } catch (error) {
      notifyError(error);
    }
  };

  const removeOutbox = async () => {
    const waiting = outboxOf(campaign);
    const ok = await confirmDialog({
      title: 'Remove this campaign’s outbox?',
      text: `${waiting} ${waiting === 1 ? 'message' : 'messages'} of “${campaign.name}” not yet handed to a carrier will be canceled, and the credits held for them go back to your balance. Messages already sent are not touched.`,
      confirm: 'Remove outbox',
      danger: true,
    });
    if (!ok) return;
    try {
      const removed = await api.delete(`${path}/outbox`);
      notify(`${removed.canceled} messages canceled; ${creditsText(removed.releasedCredits)} released.`);
      campaign = await api.get(path, { signal });
      render();
      refreshBalance();
      refreshOutboxBadge();
    } catch (error) {
      notifyError(error);
    }
  };

  const render = () => {
    const c = campaign;
    const { done, total } = progressOf(c);
    const inOutbox = outboxOf(c);
    replace(
      head,
      h('h1', {}, c.name),
      h(
        'p',
        { class: 'lead' },
        campaignPill(c.status),
        h('span', { class: 'muted' }, ` ${done} of ${total} done`),
      ),
    );
    replace(
      actions,
      c.status === 'draft'
        ? h('button', { type: 'button', class: 'button button-primary', onclick: start }, 'Start')
        : null,
      c.status === 'draft'
        ? h(
            'button',
            {
              type: 'button',
              class: 'button button-danger',
              onclick: remove,
              'data-testid': 'campaign-delete',
            },
            'Delete draft',
          )
        : null,
      inOutbox > 0
        ? h(
            'button',
            {
              type: 'button',
              class: 'button button-danger',
              onclick: removeOutbox,
              'data-testid': 'campaign-remove-outbox',
            },
            'Remove outbox',
          )
        : null,
    );
    cost.render({ ...c.estimate, recipients: c.recipients, segments: undefined });
    replace(
      body,
      h(
        'section',
        { class: 'card card-wide', 'aria-labelledby': 'campaign-status' },
        h('h2', { id: 'campaign-status', class: 'card-title' }, 'Messages by status'),
        h('progress', {
          class: 'progress',
          max: total || 1,
          value: done,
          'aria-label': `${done} of ${total} done`,
        }),
        countsGrid(c, c.id),
        c.counts?.waiting_credit
          ? h(
              'p',
              { class: 'callout callout-warning', 'data-testid': 'campaign-waiting' },
              icon('clock'),
              h(
                'span',
                {},
                `${c.counts.waiting_credit} ${c.counts.waiting_credit === 1 ? 'message is' : 'messages are'} waiting for credit. They go out by themselves when credit arrives — `,
                h(
                  'a',
                  {
                    href: `/buy${isPositive(c.estimate?.shortfall) ? `?credits=${Math.ceil(Number(c.estimate.shortfall))}` : ''}`,
                  },
                  'Top up',
                ),
                ' — or remove them with Remove outbox.',
              ),
            )
          : null,
        c.status === 'draft'
          ? h(
              'p',
              { class: 'callout callout-info' },
              icon('alert'),
              h('span', {}, 'A draft: nothing is reserved or sent until you press Start.'),
            )
          : null,
      ),
      cost.node,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'campaign-facts' },
        h('h2', { id: 'campaign-facts', class: 'card-title' }, 'Campaign'),
        facts([
          ['Status', CAMPAIGN_STATUSES[c.status] ?? c.status],
          ['Recipients', String(c.recipients)],
          c.invalid ? ['Refused rows', String(c.invalid)] : null,
          c.duplicates ? ['Repeated numbers', `${c.duplicates} left out`] : null,
          ['From', c.from ?? 'the default sender'],
          ['Created', dateTime(c.createdAt)],
          c.scheduleAt ? ['Starts at', dateTime(c.scheduleAt)] : null,
          c.startedAt ? ['Started', dateTime(c.startedAt)] : null,
        ]),
        h('h3', { class: 'subhead' }, 'Text'),
        h('p', { class: 'message-text' }, c.text),
      ),
      invalidRowsCard(invalid, c.invalid),
      messagesCard,
    );
  };
  render();
  await loadMessages();

  // Follow a campaign that is moving.
  let following = false;
  const follow = () => {
    if (following) return;
    following = true;
    const tick = async () => {
      if (signal.aborted) return;
      try {
        const fresh = await api.get(path, { signal });
        const changed =
          JSON.stringify(fresh.counts) !== JSON.stringify(campaign.counts) ||
          fresh.status !== campaign.status;
        campaign = fresh;
        if (changed) {
          render();
          await loadMessages();
        }
      } catch (error) {
        if (error?.name === 'AbortError') return;
      }
      if (campaign.status === 'draft' || campaign.status === 'completed' || campaign.status === 'canceled') {
        following = false;
        return;
      }
      setTimeout(tick, FOLLOW_MS);
    };
    setTimeout(tick, FOLLOW_MS);
  };
  follow();

  return h(
    'section',
    { class: 'page page-wide' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '/campaigns' }, 'Campaigns'), ' / ', id),
    h('header', { class: 'page-header page-header-row' }, head, actions),
    body,
  );
}
