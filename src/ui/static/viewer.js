// The dataset viewer: plain DOM, no framework. Everything it shows comes from the REST API with the
// bearer token kept in sessionStorage; the page itself is public and holds no data.
const TOKEN_KEY = 'registry-token';
const main = document.getElementById('main');
const EXPORTS = { csv: 'csv', ndjson: 'ndjson', parquet: 'parquet', arrow: 'arrows' };
let leaving = []; // what the current page must stop when another one opens (the live feed)

/** An element with attributes (`on*` functions become listeners) and children (strings become text, never markup). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) element.append(child);
  return element;
}

class Unauthorized extends Error {}

/** Calls the API as the signed-in user; a 401 sends them back to sign in. */
async function api(path, { raw = false } = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    signIn('Your token was not accepted (unknown, expired or revoked): sign in again.');
    throw new Unauthorized();
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const error = new Error(body.message || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return raw ? response : response.json();
}

function show(...content) {
  for (const stop of leaving) stop();
  leaving = [];
  main.replaceChildren(...content);
}

const when = (value) => (value ? new Date(value).toISOString().replace('.000Z', 'Z').replace('T', ' ') : '–');

function signIn(message) {
  document.getElementById('whoami').textContent = '';
  document.getElementById('sign-out').hidden = true;
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', placeholder: 'dsr_…', required: true });
  const form = h(
    'form',
    { class: 'card signin', onsubmit: (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      start();
    } },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste a registry API token (', h('code', {}, 'POST /users/{id}/tokens'), ' or ', h('code', {}, 'npm run admin'), ') or an OIDC access token. It stays in this tab only (sessionStorage).'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('label', { for: 'token' }, 'Token'),
    input,
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
  );
  show(form);
  input.focus();
}

const userNames = new Map();
function userName(id) {
  if (!userNames.has(id)) userNames.set(id, api(`/users/${id}`).then((user) => user.name, () => id));
  return userNames.get(id);
}
function userLink(id) {
  const span = h('span', {}, id);
  userName(id).then((name) => (span.textContent = name));
  return span;
}

// ---- the dataset list -------------------------------------------------------------------------------------------
const search = { q: '', tags: '', mine: false, trashed: false, sort: 'createdAt', order: 'desc', cursors: [undefined] };

async function listPage() {
  const q = h('input', { id: 'q', type: 'search', value: search.q, placeholder: 'name or description' });
  const tags = h('input', { id: 'tags', value: search.tags, placeholder: 'a,b' });
  const mine = h('input', { id: 'mine', type: 'checkbox', checked: search.mine });
  const trashed = h('input', { id: 'trashed', type: 'checkbox', checked: search.trashed });
  const sort = h('select', { id: 'sort' }, ['createdAt', 'name', 'seq'].map((value) => h('option', { value, selected: value === search.sort }, value)));
  const order = h('select', { id: 'order' }, ['desc', 'asc'].map((value) => h('option', { value, selected: value === search.order }, value)));
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card row', role: 'search', onsubmit: (event) => {
      event.preventDefault();
      Object.assign(search, { q: q.value, tags: tags.value, mine: mine.checked, trashed: trashed.checked, sort: sort.value, order: order.value, cursors: [undefined] });
      load();
    } },
    h('label', {}, 'Search', q),
    h('label', {}, 'Tags', tags),
    h('label', {}, 'Sort', sort),
    h('label', {}, 'Order', order),
    h('label', { class: 'inline' }, mine, 'mine only'),
    h('label', { class: 'inline' }, trashed, 'my trash'),
    h('button', { class: 'primary', type: 'submit' }, 'Search'),
  );
  show(h('h1', {}, 'Datasets'), form, results);

  async function load() {
    const params = new URLSearchParams({ sort: search.sort, order: search.order, limit: '20' });
    if (search.q) params.set('q', search.q);
    if (search.tags) params.set('tags', search.tags);
    if (search.mine) params.set('ownerId', me.id);
    if (search.trashed) params.set('trashed', 'true');
    const cursor = search.cursors[search.cursors.length - 1];
    if (cursor) params.set('cursor', cursor);
    results.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const page = await api(`/datasets?${params}`);
      const rows = page.items.map((dataset) =>
        h('tr', {},
          h('td', {}, search.trashed ? dataset.name : h('a', { href: `#/datasets/${dataset.id}` }, dataset.name)),
          h('td', {}, userLink(dataset.ownerId)),
          h('td', {}, dataset.tags.map((tag) => h('span', { class: 'tag' }, tag))),
          h('td', { class: 'hide-narrow' }, dataset.frequency ?? '–'),
          h('td', { class: 'hide-narrow' }, dataset.visibility),
          h('td', { class: 'hide-narrow' }, search.trashed ? `purged ${when(dataset.purgeAt)}` : when(dataset.createdAt)),
        ),
      );
      const previous = h('button', { type: 'button', disabled: search.cursors.length === 1, onclick: () => { search.cursors.pop(); load(); } }, '← Previous');
      const next = h('button', { type: 'button', disabled: !page.nextCursor, onclick: () => { search.cursors.push(page.nextCursor); load(); } }, 'Next →');
      results.replaceChildren(
        h('div', { class: 'card' },
          rows.length === 0 ? h('p', { class: 'muted' }, 'No datasets match.') : h('table', {},
            h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Owner'), h('th', {}, 'Tags'), h('th', { class: 'hide-narrow' }, 'Frequency'), h('th', { class: 'hide-narrow' }, 'Visibility'), h('th', { class: 'hide-narrow' }, search.trashed ? 'Purge' : 'Created'))),
            h('tbody', {}, rows)),
          h('p', { class: 'row' }, previous, h('span', { class: 'muted' }, `page ${search.cursors.length}`), next),
        ),
      );
    } catch (error) {
      if (!(error instanceof Unauthorized)) results.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
    }
  }
  await load();
}

// ---- one dataset -----------------------------------------------------------------------------------------------
async function datasetPage(id) {
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
        served.replaceChildren(`Showing ${response.headers.get('X-Dataset-Version') === 'live' ? 'the live points' : `version ${response.headers.get('X-Dataset-Version')}`}`, digest ? ' · digest ' : '', digest ? h('span', { class: 'digest', id: 'digest' }, digest) : '');
      }
      const statistics = await api(`/datasets/${id}/stats?${pinned()}`);
      stats.replaceChildren(
        h('p', {}, `${statistics.count} points, ${when(statistics.first)} to ${when(statistics.last)}`),
        h('table', {}, h('thead', {}, h('tr', {}, ['field', 'count', 'min', 'max', 'mean'].map((name) => h('th', {}, name)))),
          h('tbody', {}, Object.entries(statistics.fields).map(([name, field]) => h('tr', {}, h('td', {}, name), h('td', {}, field.count), h('td', {}, field.min ?? '–'), h('td', {}, field.max ?? '–'), h('td', {}, field.mean === undefined ? '–' : field.mean.toPrecision(6)))))),
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
    h('label', { class: 'inline' }, h('input', { type: 'checkbox', checked: true, 'data-field': field.name, onchange: (event) => {
      if (event.target.checked) state.off.delete(field.name);
      else state.off.add(field.name);
      refresh();
    } }), field.unit ? `${field.name} (${field.unit})` : field.name),
  );
  const rangeForm = h('form', { class: 'row', onsubmit: (event) => {
    event.preventDefault();
    Object.assign(state, { from: fromInput.value, to: toInput.value, pin: pinSelect.value });
    refresh();
  } },
    h('label', {}, 'From (UTC)', fromInput),
    h('label', {}, 'To (UTC)', toInput),
    h('label', {}, 'Version', pinSelect),
    h('button', { class: 'primary', type: 'submit', id: 'apply' }, 'Show'),
    h('button', { type: 'button', onclick: () => { fromInput.value = toInput.value = ''; rangeForm.requestSubmit(); } }, 'Whole series'),
  );
  pinSelect.addEventListener('change', () => rangeForm.requestSubmit());

  const meta = h('dl', {},
    h('dt', {}, 'Owner'), h('dd', { id: 'owner' }, userLink(dataset.ownerId)),
    h('dt', {}, 'Registration'), h('dd', {}, `#${dataset.seq}, ${when(dataset.createdAt)}`),
    h('dt', {}, 'Visibility'), h('dd', {}, dataset.visibility),
    h('dt', {}, 'Frequency'), h('dd', {}, dataset.frequency ?? '–'),
    h('dt', {}, 'Fields'), h('dd', {}, dataset.fields.map((field) => `${field.name}: ${field.type}${field.unit ? ` (${field.unit})` : ''}`).join(', ') || '–'),
    h('dt', {}, 'Tags'), h('dd', {}, dataset.tags.map((tag) => h('span', { class: 'tag' }, tag))),
    h('dt', {}, 'Source'), h('dd', {}, dataset.source ?? '–'),
  );
  const versionsList = h('ul', { id: 'versions' });
  const sharing = h('div', { id: 'sharing' });
  show(
    h('p', {}, h('a', { href: '#/' }, '← All datasets')),
    h('h1', { id: 'dataset-name' }, dataset.name),
    dataset.description ? h('p', {}, dataset.description) : null,
    h('div', { class: 'grid' },
      h('div', {},
        h('section', { class: 'card' }, h('h2', {}, 'Chart'), rangeForm, h('div', { class: 'row' }, toggles), chart, served),
        h('section', { class: 'card' }, h('h2', {}, 'Export'),
          h('div', { class: 'row' }, Object.keys(EXPORTS).map((format) => h('button', { type: 'button', onclick: () => download(format) }, format.toUpperCase()))),
          h('p', { class: 'muted' }, 'The range and version shown. In Python, with the token in REGISTRY_TOKEN:'), pythonLine,
          h('button', { type: 'button', id: 'copy', onclick: (event) => navigator.clipboard.writeText(pythonLine.textContent).then(() => (event.target.textContent = 'Copied'), () => (event.target.textContent = 'Select and copy the line above')) }, 'Copy')),
        h('section', { class: 'card' }, h('h2', {}, 'Statistics'), stats),
      ),
      h('div', {},
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
    ...versionItems.map((version) => h('li', {}, h('button', { type: 'button', onclick: () => { pinSelect.value = `version=${version.version}`; rangeForm.requestSubmit(); } }, `v${version.version}`), ` ${version.count ?? ''} points · `, h('span', { class: 'digest' }, version.digest))),
    ...tagItems.map((tag) => h('li', {}, h('span', { class: 'tag' }, tag.name), ` → v${tag.version}`)),
  );
  if (versionItems.length === 0) versionsList.replaceChildren(h('li', { class: 'muted' }, 'No sealed versions yet.'));

  api(`/datasets/${id}/access`).then(
    (access) => sharing.replaceChildren(
      h('p', {}, `${access.visibility}${access.grants.length === 0 ? ', shared with no one' : ''}`),
      h('ul', {}, access.grants.map((grant) => h('li', {}, userLink(grant.userId), ` (${grant.level})`))),
    ),
    (error) => sharing.replaceChildren(h('p', { class: 'muted' }, error.status === 403 ? 'Only its owner and admins see the grants.' : error.message)),
  );

  const addEvent = (event, live) => {
    const item = h('li', { 'data-type': event.type }, h('strong', {}, event.type), ` · ${when(event.occurredAt)}`, live ? ' · live' : '');
    if (live) events.prepend(item);
    else events.append(item);
  };
  const recent = await api(`/events?entity=dataset&entityId=${id}&order=desc&limit=20`);
  recent.items.forEach((event) => addEvent(event, false));
  follow(`/events/stream?entity=dataset&entityId=${id}`, (event) => addEvent(event, true), () => events.setAttribute('data-live', 'true'));
  window.addEventListener('resize', onResize);
  leaving.push(() => window.removeEventListener('resize', onResize));
  let resizing;
  function onResize() {
    clearTimeout(resizing);
    resizing = setTimeout(refresh, 250);
  }
  await refresh();
}

/** The SSE feed, read with fetch so that the bearer header goes along (EventSource cannot send one). */
function follow(path, onEvent, onReady) {
  const controller = new AbortController();
  leaving.push(() => controller.abort());
  const token = sessionStorage.getItem(TOKEN_KEY);
  (async () => {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: controller.signal });
    if (!response.ok || !response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: ?(.*)$/m.exec(block)?.[1];
        const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.replace(/^data: ?/, '')).join('\n');
        if (type === 'ready') onReady();
        else if (type && type !== 'heartbeat' && data) onEvent(JSON.parse(data));
      }
    }
  })().catch((error) => {
    if (error.name !== 'AbortError') console.warn('live feed closed:', error.message);
  });
}

// ---- start -----------------------------------------------------------------------------------------------------
let me;
async function route() {
  const match = /^#\/datasets\/([\w-]+)$/.exec(location.hash);
  try {
    if (match) await datasetPage(match[1]);
    else await listPage();
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  } catch (error) {
    if (!(error instanceof Unauthorized)) show(h('p', { class: 'error', role: 'alert' }, error.status === 404 ? 'No such dataset (or not one you may read).' : error.message), h('p', {}, h('a', { href: '#/' }, '← All datasets')));
  }
}

async function start() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return signIn();
  try {
    me = await api('/users/me');
  } catch (error) {
    if (!(error instanceof Unauthorized)) signIn(error.message);
    return;
  }
  document.getElementById('whoami').textContent = `${me.name}${me.admin ? ' (admin)' : ''}`;
  document.getElementById('sign-out').hidden = false;
  await route();
}

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  signIn();
});
window.addEventListener('hashchange', () => (me ? route() : start()));
start();
