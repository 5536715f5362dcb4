// The page of one dataset: chart, statistics, versions and tags, sharing, exports, events (live).
import { api, follow, h, onLeave, show, Unauthorized, userLink, when } from './common.js';

const EXPORTS = { csv: 'csv', ndjson: 'ndjson', parquet: 'parquet', arrow: 'arrows' };

export async function datasetPage(id) {
  const dataset = await api(`/datasets/${id}`);
  const numberFields = dataset.fields.filter((field) => field.type === 'number');
  const state = { pin: '', from: '', to: '', off: new Set() };
  const chart = h('div', { class: 'chart', id: 'chart', role: 'img', 'aria-label': `chart of ${dataset.name}` });
  const stats = h('div', { id: 'stats' });
  const served = h('p', { id: 'served', class: 'muted' });
  const pythonLine = h('pre', { id: 'python' });
  const events = h('ol', { class: 'events', id: 'events', 'aria-live': 'polite' });
  const fromInput = h('input', { id: 'from', type: 'datetime-local', step: 1 });
  const toInput = h('input', { id: 'to', type: 'datetime-local', step: 1 });
  const pinSelect = h('select', { id: 'pin' }, h('option', { value: '' }, 'live points'));

  const pinned = (extra = {}) => {
    const params = new URLSearchParams(extra);
    if (state.pin) params.set(...state.pin.split('=', 2));
    return params;
  };
  // datetime-local drops zero seconds ("2026-11-02T00:00"): the API takes RFC 3339, with them.
  const utc = (local) => `${local.length === 16 ? `${local}:00` : local}Z`;
  const query = (extra = {}) => {
    const params = pinned(extra);
    if (state.from) params.set('from', utc(state.from));
    if (state.to) params.set('to', utc(state.to));
    return params;
  };

  async function refresh() {
    const width = Math.max(200, Math.min(4000, Math.round(chart.clientWidth || 800)));
    const params = query({ width: String(width), height: String(window.innerWidth < 720 ? 300 : 380) });
    const shown = numberFields.filter((field) => !state.off.has(field.name)).map((field) => field.name);
    if (shown.length < numberFields.length) params.set('fields', shown.join(','));
    try {
      if (numberFields.length > 0 && shown.length === 0) chart.replaceChildren(h('p', { class: 'muted' }, 'No field selected.'));
      else {
        const response = await api(`/datasets/${id}/chart.svg?${params}`, { raw: true });
        const svg = new DOMParser().parseFromString(await response.text(), 'image/svg+xml').documentElement;
        chart.replaceChildren(document.importNode(svg, true));
        const digest = response.headers.get('X-Dataset-Digest');
        served.replaceChildren(
          `Showing ${response.headers.get('X-Dataset-Version') === 'live' ? 'the live points' : `version ${response.headers.get('X-Dataset-Version')}`}`,
          digest ? ' · digest ' : '',
          digest ? h('span', { class: 'digest', id: 'digest' }, digest) : '',
        );
      }
      const statistics = await api(`/datasets/${id}/stats?${pinned()}`);
      stats.replaceChildren(
        h('p', {}, `${statistics.count} points, ${when(statistics.first)} to ${when(statistics.last)}`),
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['field', 'count', 'min', 'max', 'mean'].map((name) => h('th', {}, name)),
            ),
          ),
          h(
            'tbody',
            {},
            Object.entries(statistics.fields).map(([name, field]) =>
              h(
                'tr',
                {},
                h('td', {}, name),
                h('td', {}, field.count),
                h('td', {}, field.min ?? '–'),
                h('td', {}, field.max ?? '–'),
                h('td', {}, field.mean === undefined ? '–' : field.mean.toPrecision(6)),
              ),
            ),
          ),
        ),
      );
      const url = `${location.origin}/datasets/${id}/records?${query({ format: 'csv' })}`;
      pythonLine.textContent = `import os, pandas as pd; df = pd.read_csv("${url}", parse_dates=["timestamp"], storage_options={"Authorization": "Bearer " + os.environ["REGISTRY_TOKEN"]})`;
    } catch (error) {
      if (!(error instanceof Unauthorized)) chart.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
    }
  }

  async function download(format) {
    const response = await api(`/datasets/${id}/records?${query({ format })}`, { raw: true });
    const link = h('a', { href: URL.createObjectURL(await response.blob()), download: `${dataset.name}.${EXPORTS[format]}` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  const toggles = numberFields.map((field) =>
    h(
      'label',
      { class: 'inline' },
      h('input', {
        type: 'checkbox',
        checked: true,
        'data-field': field.name,
        onchange: (event) => {
          if (event.target.checked) state.off.delete(field.name);
          else state.off.add(field.name);
          refresh();
        },
      }),
      field.unit ? `${field.name} (${field.unit})` : field.name,
    ),
  );
  const rangeForm = h(
    'form',
    {
      class: 'row',
      onsubmit: (event) => {
        event.preventDefault();
        Object.assign(state, { from: fromInput.value, to: toInput.value, pin: pinSelect.value });
        refresh();
      },
    },
    h('label', {}, 'From (UTC)', fromInput),
    h('label', {}, 'To (UTC)', toInput),
    h('label', {}, 'Version', pinSelect),
    h('button', { class: 'primary', type: 'submit', id: 'apply' }, 'Show'),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          fromInput.value = toInput.value = '';
          rangeForm.requestSubmit();
        },
      },
      'Whole series',
    ),
  );
  pinSelect.addEventListener('change', () => rangeForm.requestSubmit());

  const meta = h(
    'dl',
    {},
    h('dt', {}, 'Owner'),
    h('dd', { id: 'owner' }, userLink(dataset.ownerId)),
    h('dt', {}, 'Registration'),
    h('dd', {}, `#${dataset.seq}, ${when(dataset.createdAt)}`),
    h('dt', {}, 'Visibility'),
    h('dd', {}, dataset.visibility),
    h('dt', {}, 'Frequency'),
    h('dd', {}, dataset.frequency ?? '–'),
    h('dt', {}, 'Fields'),
    h('dd', {}, dataset.fields.map((field) => `${field.name}: ${field.type}${field.unit ? ` (${field.unit})` : ''}`).join(', ') || '–'),
    h('dt', {}, 'Tags'),
    h(
      'dd',
      {},
      dataset.tags.map((tag) => h('span', { class: 'tag' }, tag)),
    ),
    h('dt', {}, 'Source'),
    h('dd', {}, dataset.source ?? '–'),
  );
  const versionsList = h('ul', { id: 'versions' });
  const sharing = h('div', { id: 'sharing' });
  show(
    h('p', {}, h('a', { href: '#/' }, '← All datasets')),
    h('h1', { id: 'dataset-name' }, dataset.name),
    dataset.description ? h('p', {}, dataset.description) : null,
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        {},
        h('section', { class: 'card' }, h('h2', {}, 'Chart'), rangeForm, h('div', { class: 'row' }, toggles), chart, served),
        h(
          'section',
          { class: 'card' },
          h('h2', {}, 'Export'),
          h(
            'div',
            { class: 'row' },
            Object.keys(EXPORTS).map((format) => h('button', { type: 'button', onclick: () => download(format) }, format.toUpperCase())),
          ),
          h('p', { class: 'muted' }, 'The range and version shown. In Python, with the token in REGISTRY_TOKEN:'),
          pythonLine,
          h(
            'button',
            {
              type: 'button',
              id: 'copy',
              onclick: (event) =>
                navigator.clipboard.writeText(pythonLine.textContent).then(
                  () => (event.target.textContent = 'Copied'),
                  () => (event.target.textContent = 'Select and copy the line above'),
                ),
            },
            'Copy',
          ),
        ),
        h('section', { class: 'card' }, h('h2', {}, 'Statistics'), stats),
      ),
      h(
        'div',
        {},
        h('section', { class: 'card' }, h('h2', {}, 'About'), meta),
        h('section', { class: 'card' }, h('h2', {}, 'Versions and tags'), versionsList),
        h('section', { class: 'card' }, h('h2', {}, 'Shared with'), sharing),
        h('section', { class: 'card' }, h('h2', {}, 'Recent events'), events),
      ),
    ),
  );

  const [versions, tags] = await Promise.all([api(`/datasets/${id}/versions`), api(`/datasets/${id}/tags`)]);
  const versionItems = versions.items ?? versions;
  const tagItems = tags.items ?? tags;
  for (const version of versionItems) pinSelect.append(h('option', { value: `version=${version.version}` }, `version ${version.version}`));
  for (const tag of tagItems) pinSelect.append(h('option', { value: `tag=${tag.name}` }, `tag ${tag.name} (v${tag.version})`));
  versionsList.replaceChildren(
    ...versionItems.map((version) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              pinSelect.value = `version=${version.version}`;
              rangeForm.requestSubmit();
            },
          },
          `v${version.version}`,
        ),
        ` ${version.count ?? ''} points · `,
        h('span', { class: 'digest' }, version.digest),
      ),
    ),
    ...tagItems.map((tag) => h('li', {}, h('span', { class: 'tag' }, tag.name), ` → v${tag.version}`)),
  );
  if (versionItems.length === 0) versionsList.replaceChildren(h('li', { class: 'muted' }, 'No sealed versions yet.'));

  api(`/datasets/${id}/access`).then(
    (access) =>
      sharing.replaceChildren(
        h('p', {}, `${access.visibility}${access.grants.length === 0 ? ', shared with no one' : ''}`),
        h(
          'ul',
          {},
          access.grants.map((grant) => h('li', {}, userLink(grant.userId), ` (${grant.level})`)),
        ),
      ),
    (error) =>
      sharing.replaceChildren(
        h('p', { class: 'muted' }, error.status === 403 ? 'Only its owner and admins see the grants.' : error.message),
      ),
  );

  const addEvent = (event, live) => {
    const item = h('li', { 'data-type': event.type }, h('strong', {}, event.type), ` · ${when(event.occurredAt)}`, live ? ' · live' : '');
    if (live) events.prepend(item);
    else events.append(item);
  };
  const recent = await api(`/events?entity=dataset&entityId=${id}&order=desc&limit=20`);
  recent.items.forEach((event) => addEvent(event, false));
  follow(
    `/events/stream?entity=dataset&entityId=${id}`,
    (event) => addEvent(event, true),
    () => events.setAttribute('data-live', 'true'),
  );
  window.addEventListener('resize', onResize);
  onLeave(() => window.removeEventListener('resize', onResize));
  let resizing;
  function onResize() {
    clearTimeout(resizing);
    resizing = setTimeout(refresh, 250);
  }
  await refresh();
}
