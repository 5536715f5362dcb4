// What every page of the viewer shares: building elements, calling the API with the token, the live feed.
export const TOKEN_KEY = 'registry-token';
const main = document.getElementById('main');
let leaving = []; // what the current page must stop when another one opens (the live feed)
let onUnauthorized = () => undefined;

/** Who handles a 401: the sign-in page (set once by viewer.js). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** An element with attributes (`on*` functions become listeners) and children (strings become text, never markup). */
export function h(tag, attributes = {}, ...children) {
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

export class Unauthorized extends Error {}

/** Calls the API as the signed-in user; a 401 sends them back to sign in. */
export async function api(path, { raw = false } = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    onUnauthorized('Your token was not accepted (unknown, expired or revoked): sign in again.');
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

/** Replaces the page's content, stopping what the previous page left running. */
export function show(...content) {
  for (const stop of leaving) stop();
  leaving = [];
  main.replaceChildren(...content);
}

/** Registers what to stop when the page is left. */
export function onLeave(stop) {
  leaving.push(stop);
}

export const when = (value) => (value ? new Date(value).toISOString().replace('.000Z', 'Z').replace('T', ' ') : '–');

const userNames = new Map();
function userName(id) {
  if (!userNames.has(id))
    userNames.set(
      id,
      api(`/users/${id}`).then(
        (user) => user.name,
        () => id,
      ),
    );
  return userNames.get(id);
}
export function userLink(id) {
  const span = h('span', {}, id);
  userName(id).then((name) => (span.textContent = name));
  return span;
}

/** The SSE feed, read with fetch so that the bearer header goes along (EventSource cannot send one). */
export function follow(path, onEvent, onReady) {
  const controller = new AbortController();
  onLeave(() => controller.abort());
  const token = sessionStorage.getItem(TOKEN_KEY);
  (async () => {
    const response = await fetch(path, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
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
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.replace(/^data: ?/, ''))
          .join('\n');
        if (type === 'ready') onReady();
        else if (type && type !== 'heartbeat' && data) onEvent(JSON.parse(data));
      }
    }
  })().catch((error) => {
    if (error.name !== 'AbortError') console.warn('live feed closed:', error.message);
  });
}
