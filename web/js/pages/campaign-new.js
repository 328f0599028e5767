// @ts-check
// Messaging · New campaign: a name, the recipients from a CSV (its header read here, so its
// columns can be used as {placeholders}) or pasted numbers, the text with its counter, and
// whether it is sent now, at a time, or kept as a draft to see its exact cost first.
import { ApiError, api, idempotencyKey, statusOf } from '../api.js';
import { costPanel, scheduleField, senderField, textareaField, textCounter } from '../compose.js';
import { countryName } from '../countries.js';
import { h, icon, replace } from '../dom.js';
import { clearErrors, showErrors, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { refreshOutboxBadge } from '../layout.js';
import { refreshBalance } from '../money.js';
import { notify, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import {
  defaultCountry,
  estimateCost,
  estimateFile,
  measureText,
  parseRecipients,
  partsLabel,
} from '../sms.js';
import { takeHandOver } from './campaign-parts.js';
import { sendBlocker } from './send.js';

/** @typedef {import('../api-types.js').CampaignCreated} CampaignCreated */

/** The header names the server takes as the phone column. */
const PHONE_COLUMNS = ['phone', 'phone_number', 'mobile', 'number', 'to', 'msisdn', 'recipient'];
const HEADER_BYTES = 64 * 1024;
const COUNT_ROWS_UP_TO = 5 * 1024 * 1024;

/**
 * The header of a CSV: its columns and separator, and the phone column if one is named.
 * @param {string} firstLine
 */
export function csvHeader(firstLine) {
  const line = firstLine.replace(/^\uFEFF/, '');
  /** @type {[string, number][]} */
  const counts = [',', ';', '\t'].map((sep) => [sep, line.split(sep).length - 1]);
  const separator = counts.sort((a, b) => b[1] - a[1])[0]?.[0] ?? ',';
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

/** @type {Record<string, string>} */
const SEPARATOR_KEYS = {
  ',': 'campaigns.new.comma',
  ';': 'campaigns.new.semicolon',
  '\t': 'campaigns.new.tab',
};

/**
 * Reads the file's header (and counts its rows when it is small enough to read here).
 * @param {File} file
 */
async function readCsv(file) {
  const head = await file.slice(0, HEADER_BYTES).text();
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  const header = csvHeader(firstLine);
  /** @type {number | null} */
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

export async function newCampaignPage() {
  const draft = takeHandOver();
  const country = defaultCountry();

  const name = h('input', {
    id: 'campaign-name',
    name: 'name',
    type: 'text',
    required: true,
    maxlength: 200,
    autocomplete: 'off',
    'aria-describedby': 'campaign-name-hint campaign-name-error',
  });
  const nameField = h(
    'div',
    { class: 'field field-wide' },
    h(
      'label',
      { for: 'campaign-name' },
      t('campaigns.new.name'),
      h('span', { class: 'required', 'aria-hidden': 'true' }, ' *'),
    ),
    name,
    h('p', { class: 'hint', id: 'campaign-name-hint' }, t('campaigns.new.nameHint')),
    h('p', { class: 'field-error', id: 'campaign-name-error', hidden: true }),
  );

  // Recipients: a CSV file or pasted numbers.
  const sourceRadio = (
    /** @type {string} */ value,
    /** @type {string} */ label,
    /** @type {boolean} */ checked,
  ) =>
    h(
      'label',
      { class: 'segment' },
      h('input', { type: 'radio', name: 'source', value, checked }),
      h('span', {}, label),
    );
  const source = h(
    'div',
    { class: 'segmented', role: 'radiogroup', 'aria-label': t('campaigns.new.from') },
    sourceRadio('csv', t('campaigns.new.upload'), !draft),
    sourceRadio('paste', t('campaigns.new.paste'), Boolean(draft)),
  );
  const file = h('input', {
    id: 'campaign-file',
    name: 'file',
    type: 'file',
    accept: '.csv,text/csv,text/plain',
    'aria-describedby': 'campaign-file-format',
  });
  const fileInfo = h('div', { class: 'file-info', 'aria-live': 'polite', 'data-testid': 'csv-info' });
  const csvPanel = h(
    'div',
    { class: 'field field-wide source-csv' },
    h('label', { for: 'campaign-file' }, t('campaigns.new.csvFile')),
    file,
    h(
      'div',
      { class: 'hint csv-format', id: 'campaign-file-format' },
      h('p', { class: 'csv-format-line' }, t('campaigns.new.format')),
      h(
        'ul',
        {},
        h(
          'li',
          {},
          `${t('campaigns.new.phoneColumn')} `,
          h('code', {}, 'phone'),
          ` ${t('campaigns.new.phoneColumnOr')}`,
        ),
        h(
          'li',
          {},
          `${t('campaigns.new.separators')} `,
          h('code', {}, ','),
          ` ${t('campaigns.new.or')} `,
          h('code', {}, ';'),
          ` ${t('campaigns.new.separatorsEnd')}`,
        ),
        h('li', {}, t('campaigns.new.otherColumns')),
        h(
          'li',
          {},
          country
            ? t('campaigns.new.countryRule', { country: countryName(country) })
            : t('campaigns.new.withPlus'),
        ),
      ),
      h('pre', { class: 'csv-sample' }, t('campaigns.new.sample')),
    ),
    fileInfo,
    h('p', { class: 'field-error', hidden: true }),
  );
  const pasted = textareaField({
    name: 'recipients',
    label: t('campaigns.new.numbers'),
    rows: 6,
    value: draft?.numbers?.join('\n') ?? '',
    hint: country
      ? t('campaigns.new.numbersHintCountry', { country: countryName(country) })
      : t('campaigns.new.numbersHint'),
    attrs: { spellcheck: 'false', autocomplete: 'off' },
  });
  const pastedCount = h('p', { class: 'hint', 'aria-live': 'polite' });
  const pastePanel = h('div', { class: 'source-paste' }, pasted.node, pastedCount);

  const placeholderChips = h('div', { class: 'chips', hidden: true, 'data-testid': 'csv-columns' });
  const text = textareaField({
    name: 'text',
    label: t('messaging.send.message'),
    rows: 5,
    required: true,
    value: draft?.text ?? '',
    hint: t('campaigns.new.textHint'),
  });
  const counter = textCounter(text.control, { placeholders: true });
  const sender = senderField();
  if (draft?.from) sender.input.value = draft.from;

  const schedule = scheduleField({ label: t('campaigns.new.startAt') });
  schedule.node.hidden = true;
  const whenRadio = (
    /** @type {string} */ value,
    /** @type {string} */ label,
    /** @type {string} */ hint,
    /** @type {boolean} */ checked,
  ) =>
    h(
      'label',
      { class: 'option' },
      h('input', { type: 'radio', name: 'when', value, checked }),
      h('span', { class: 'option-text' }, h('strong', {}, label), h('span', { class: 'muted small' }, hint)),
    );
  const when = h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, t('messaging.send.when')),
    h(
      'div',
      { class: 'option-list' },
      whenRadio('draft', t('campaigns.new.draft'), t('campaigns.new.draftHint'), true),
      whenRadio('now', t('campaigns.new.now'), t('campaigns.new.nowHint'), false),
      whenRadio('later', t('campaigns.new.schedule'), t('campaigns.new.scheduleHint'), false),
    ),
    schedule.node,
  );

  const cost = costPanel({ title: t('campaigns.new.costTitle') });
  const button = submitButton(t('campaigns.new.saveDraft'));
  // A draft needs no verified account; starting one does.
  const blocker = sendBlocker();
  const blocked = h(
    'p',
    { class: 'send-blocked', id: 'campaign-blocked', hidden: true, 'data-testid': 'send-blocked' },
    icon('alert', 'icon send-blocked-icon'),
    h('span', {}, blocker ?? ''),
  );
  const form = h(
    'form',
    { class: 'form card', novalidate: true, 'aria-label': t('shell.titles.newCampaign') },
    summarySlot(),
    nameField,
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, t('campaigns.new.recipients')),
      source,
      csvPanel,
      pastePanel,
    ),
    text.node,
    placeholderChips,
    counter.node,
    h('div', { class: 'form-grid' }, sender.node),
    when,
    h('div', { class: 'form-actions' }, button, blocked),
  );

  const checkedValue = (/** @type {string} */ group, /** @type {string} */ fallback) => {
    const input = form.querySelector(`input[name="${group}"]:checked`);
    return input instanceof HTMLInputElement ? input.value : fallback;
  };
  const sourceValue = () => checkedValue('source', 'csv');
  const whenValue = () => checkedValue('when', 'draft');
  /** @type {Awaited<ReturnType<typeof readCsv>> | null} */
  let csv = null;

  const insertPlaceholder = (/** @type {string} */ column) => {
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
    const columns = sourceValue() === 'csv' && csv ? csv.columns.filter((c) => c !== csv?.phone) : [];
    placeholderChips.hidden = columns.length === 0;
    replace(
      placeholderChips,
      h('span', { class: 'muted small' }, `${t('campaigns.new.insert')} `),
      columns.map((c) =>
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            onclick: () => insertPlaceholder(c),
            'aria-label': t('campaigns.new.insertColumn', { column: `{${c}}` }),
          },
          `{${c}}`,
        ),
      ),
    );
  };

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let estimateTimer;
  let estimateRun = 0;
  const updateEstimate = () => {
    clearTimeout(estimateTimer);
    estimateTimer = setTimeout(async () => {
      const run = ++estimateRun;
      if (!text.control.value.trim()) {
        cost.render(null, t('campaigns.new.costNeedsText'));
        return;
      }
      if (sourceValue() === 'csv') {
        const chosen = file.files?.[0];
        if (!csv || !chosen) {
          cost.render(null, t('campaigns.new.costNeedsFile'));
          return;
        }
        const rows = csv.rows;
        const fallback = () => {
          const m = measureText(text.control.value);
          cost.render(
            null,
            t('campaigns.new.costFromRows', { rows: rows ?? '—', parts: partsLabel(m.segments) }),
          );
        };
        try {
          const estimate = await estimateFile(chosen, text.control.value, {
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
        cost.render(null, t('campaigns.new.costNeedsNumbers'));
        return;
      }
      try {
        const estimate = await estimateCost(numbers, text.control.value);
        if (run === estimateRun) cost.render(estimate);
      } catch (error) {
        if (run === estimateRun) {
          cost.render(
            null,
            t('messaging.send.costFailed', { why: error instanceof Error ? error.message : '' }),
          );
        }
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
      const read = await readCsv(chosen);
      csv = read;
      replace(
        fileInfo,
        h(
          'p',
          { class: read.phone ? 'callout callout-success' : 'callout callout-warning' },
          icon(read.phone ? 'check' : 'alert'),
          h(
            'span',
            {},
            h('strong', {}, chosen.name),
            read.rows !== null ? ` · ${t('campaigns.new.rows', { count: read.rows })}` : '',
            ` · ${t('campaigns.new.separatedBy', { separator: t(SEPARATOR_KEYS[read.separator] ?? 'campaigns.new.comma') })} · ${t('campaigns.new.columns')} `,
            read.columns.map((c, i) => [i ? ', ' : '', h('code', {}, c)]),
            read.phone
              ? ` · ${t('campaigns.new.numbersIn', { column: read.phone })}`
              : `. ${t('campaigns.new.noPhone')}`,
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
          h('span', {}, t('campaigns.new.unreadable')),
        ),
      );
    }
    renderChips();
    updateEstimate();
  });

  const renderPasted = () => {
    const { numbers, duplicates, malformed } = parseRecipients(pasted.control.value);
    const parts = [t('messaging.send.numbers', { count: numbers.length })];
    if (duplicates) parts.push(t('messaging.send.repeated', { count: duplicates }));
    if (malformed.length) parts.push(t('campaigns.new.notNumbers', { count: malformed.length }));
    pastedCount.textContent = numbers.length || malformed.length ? parts.join(' · ') : '';
  };
  pasted.control.addEventListener('input', () => {
    renderPasted();
    updateEstimate();
  });
  text.control.addEventListener('input', updateEstimate);

  /** @type {Record<string, string>} */
  const BUTTON_KEYS = {
    draft: 'campaigns.new.saveDraft',
    now: 'campaigns.new.startCampaign',
    later: 'campaigns.new.scheduleCampaign',
  };
  const renderButton = () => {
    button.textContent = t(BUTTON_KEYS[whenValue()] ?? 'campaigns.new.saveDraft');
    const stopped = Boolean(blocker) && whenValue() !== 'draft';
    blocked.hidden = !stopped;
    if (stopped) {
      button.setAttribute('aria-disabled', 'true');
      button.setAttribute('aria-describedby', 'campaign-blocked');
    } else {
      button.removeAttribute('aria-disabled');
      button.removeAttribute('aria-describedby');
    }
  };
  for (const input of when.querySelectorAll('input')) {
    input.addEventListener('change', () => {
      schedule.node.hidden = whenValue() !== 'later';
      renderButton();
    });
  }
  renderSource();
  renderPasted();
  renderButton();

  // One Idempotency-Key per attempt: kept while the same campaign is retried with no answer.
  /** @type {{ fingerprint: string, key: string } | null} */
  let attempt = null;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.getAttribute('aria-disabled') === 'true') return;
    clearErrors(form);
    const problems = [];
    if (!name.value.trim()) problems.push({ path: 'name', message: t('common.required') });
    if (!text.control.value.trim()) problems.push({ path: 'text', message: t('common.required') });
    const isCsv = sourceValue() === 'csv';
    const numbers = parseRecipients(pasted.control.value).numbers;
    const chosen = isCsv ? (file.files?.[0] ?? null) : null;
    if (isCsv && !chosen) problems.push({ path: 'file', message: t('campaigns.new.chooseFile') });
    if (!isCsv && !numbers.length)
      problems.push({ path: 'recipients', message: t('messaging.send.holdsNoNumber') });
    if (problems.length) {
      showErrors(form, problems);
      return;
    }
    if (!sender.check()) return sender.input.focus();
    if (whenValue() === 'later' && !schedule.check()) return schedule.input.focus();

    /** @type {Record<string, string | boolean>} */
    const fields = { name: name.value.trim(), text: text.control.value };
    if (sender.input.value) fields.from = sender.input.value;
    if (whenValue() === 'later') fields.scheduleAt = schedule.value();
    if (whenValue() === 'draft') fields.draft = true;
    const fingerprint = JSON.stringify({
      fields,
      file: chosen ? [chosen.name, chosen.size, chosen.lastModified] : null,
      numbers: isCsv ? null : numbers,
    });
    if (attempt?.fingerprint !== fingerprint) attempt = { fingerprint, key: idempotencyKey() };
    const key = attempt.key;

    /** @type {FormData | Record<string, unknown>} */
    let body;
    if (chosen) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
      form.append('file', chosen, chosen.name); // the fields first, then the file (read as a stream)
      body = form;
    } else {
      body = { ...fields, recipients: numbers.map((to) => ({ to })) };
    }
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const created = /** @type {CampaignCreated} */ (
        await api.post('/campaigns', body, { headers: { 'idempotency-key': key } })
      );
      attempt = null;
      const said = [t('campaigns.list.recipients', { count: created.recipients })];
      if (created.invalid) said.push(t('campaigns.new.rowsRefused', { count: created.invalid }));
      if (created.duplicates) said.push(t('campaigns.new.repeatedOut', { count: created.duplicates }));
      if (created.waitingCredit) said.push(t('campaigns.list.waiting', { count: created.waitingCredit }));
      const how =
        created.status === 'draft'
          ? 'campaigns.new.savedDraft'
          : created.status === 'scheduled'
            ? 'campaigns.new.savedScheduled'
            : 'campaigns.new.savedStarted';
      notify(t(how, { what: said.join(', ') }));
      refreshBalance();
      refreshOutboxBadge();
      navigate(`/campaigns/${encodeURIComponent(created.id)}`);
    } catch (error) {
      if (statusOf(error) !== 0) attempt = null;
      if (error instanceof ApiError && error.code === 'validation_failed') {
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
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('messaging.breadcrumb') },
      h('a', { href: '/campaigns' }, t('shell.nav.campaigns')),
      ` / ${t('campaigns.new.crumb')}`,
    ),
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('shell.titles.newCampaign')),
      h(
        'p',
        { class: 'lead' },
        `${t('campaigns.new.lead')} `,
        h('a', { href: '/pricing' }, t('shell.nav.pricing')),
      ),
    ),
    h('div', { class: 'split send-split' }, form, h('div', { class: 'send-side' }, cost.node)),
  );
}
