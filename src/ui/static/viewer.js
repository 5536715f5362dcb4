// The dataset viewer: plain DOM, no framework. Everything it shows comes from the REST API with the
// bearer token kept in sessionStorage (pasted, or from the OIDC login); the page itself is public and holds no data.
import { api, h, show, TOKEN_KEY, Unauthorized, userLink, whenUnauthorized, when } from './common.js';
import { datasetPage } from './dataset-page.js';
import { beginOidcLogin, finishOidcLogin, viewerConfig } from './oidc.js';

const main = document.getElementById('main');
let login; // the OIDC login, where the registry configures one (/ui/config.json)

function signIn(message) {
  document.getElementById('whoami').textContent = '';
  document.getElementById('sign-out').hidden = true;
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', placeholder: 'dsr_…', required: true });
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: (event) => {
        event.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        start();
      },
    },
    h('h1', {}, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    login
      ? h(
          'p',
          {},
          h(
            'button',
            {
              id: 'oidc-sign-in',
              class: 'primary',
              type: 'button',
              onclick: () => {
                beginOidcLogin(login).catch((error) => signIn(`The OIDC login could not start: ${error.message}`));
              },
            },
            'Sign in with OIDC',
          ),
        )
      : null,
    h(
      'p',
      {},
      login ? 'Or paste a registry API token (' : 'Paste a registry API token (',
      h('code', {}, 'POST /users/{id}/tokens'),
      ' or ',
      h('code', {}, 'npm run admin'),
      ') or an OIDC access token. It stays in this tab only (sessionStorage).',
    ),
    h('label', { for: 'token' }, 'Token'),
    input,
    h('p', {}, h('button', { class: login ? undefined : 'primary', type: 'submit' }, 'Sign in')),
  );
  show(form);
  (login ? document.getElementById('oidc-sign-in') : input).focus();
}

// ---- the dataset list -------------------------------------------------------------------------------------------
const search = { q: '', tags: '', owner: '', mine: false, trashed: false, sort: 'createdAt', order: 'desc', cursors: [undefined] };

async function listPage() {
  const q = h('input', { id: 'q', type: 'search', value: search.q, placeholder: 'name or description' });
  const tags = h('input', { id: 'tags', value: search.tags, placeholder: 'a,b' });
  const owner = h('input', { id: 'owner', value: search.owner, placeholder: 'user id', size: 12 });
  const mine = h('input', { id: 'mine', type: 'checkbox', checked: search.mine });
  const trashed = h('input', { id: 'trashed', type: 'checkbox', checked: search.trashed });
  const sort = h(
    'select',
    { id: 'sort' },
    ['createdAt', 'name', 'seq'].map((value) => h('option', { value, selected: value === search.sort }, value)),
  );
  const order = h(
    'select',
    { id: 'order' },
    ['desc', 'asc'].map((value) => h('option', { value, selected: value === search.order }, value)),
  );
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      class: 'card row',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        Object.assign(search, {
          q: q.value,
          tags: tags.value,
          owner: owner.value.trim(),
          mine: mine.checked,
          trashed: trashed.checked,
          sort: sort.value,
          order: order.value,
          cursors: [undefined],
        });
        load();
      },
    },
    h('label', {}, 'Search', q),
    h('label', {}, 'Tags', tags),
    h('label', {}, 'Owner', owner),
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
    if (search.mine || search.owner) params.set('ownerId', search.mine ? me.id : search.owner);
    if (search.trashed) params.set('trashed', 'true');
    const cursor = search.cursors[search.cursors.length - 1];
    if (cursor) params.set('cursor', cursor);
    results.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const page = await api(`/datasets?${params}`);
      const rows = page.items.map((dataset) =>
        h(
          'tr',
          {},
          h('td', {}, search.trashed ? dataset.name : h('a', { href: `#/datasets/${dataset.id}` }, dataset.name)),
          h('td', {}, userLink(dataset.ownerId)),
          h(
            'td',
            {},
            dataset.tags.map((tag) => h('span', { class: 'tag' }, tag)),
          ),
          h('td', { class: 'hide-narrow' }, dataset.frequency ?? '–'),
          h('td', { class: 'hide-narrow' }, dataset.visibility),
          h('td', { class: 'hide-narrow' }, search.trashed ? `purged ${when(dataset.purgeAt)}` : when(dataset.createdAt)),
        ),
      );
      const previous = h(
        'button',
        {
          type: 'button',
          disabled: search.cursors.length === 1,
          onclick: () => {
            search.cursors.pop();
            load();
          },
        },
        '← Previous',
      );
      const next = h(
        'button',
        {
          type: 'button',
          disabled: !page.nextCursor,
          onclick: () => {
            search.cursors.push(page.nextCursor);
            load();
          },
        },
        'Next →',
      );
      results.replaceChildren(
        h(
          'div',
          { class: 'card' },
          rows.length === 0
            ? h('p', { class: 'muted' }, 'No datasets match.')
            : h(
                'table',
                {},
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    h('th', {}, 'Name'),
                    h('th', {}, 'Owner'),
                    h('th', {}, 'Tags'),
                    h('th', { class: 'hide-narrow' }, 'Frequency'),
                    h('th', { class: 'hide-narrow' }, 'Visibility'),
                    h('th', { class: 'hide-narrow' }, search.trashed ? 'Purge' : 'Created'),
                  ),
                ),
                h('tbody', {}, rows),
              ),
          h('p', { class: 'row' }, previous, h('span', { class: 'muted' }, `page ${search.cursors.length}`), next),
        ),
      );
    } catch (error) {
      if (!(error instanceof Unauthorized)) results.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
    }
  }
  await load();
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
    if (!(error instanceof Unauthorized))
      show(
        h('p', { class: 'error', role: 'alert' }, error.status === 404 ? 'No such dataset (or not one you may read).' : error.message),
        h('p', {}, h('a', { href: '#/' }, '← All datasets')),
      );
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
whenUnauthorized(signIn);
(async () => {
  login = (await viewerConfig()).oidc;
  const failed = await finishOidcLogin(login);
  if (failed) signIn(failed);
  else await start();
})();
