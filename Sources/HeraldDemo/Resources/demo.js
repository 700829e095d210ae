// The demo page's script: one panel per example of the seed documents, and two of Herald's own.
//
// The ticking demos (1-3) and the hub (6-8) are carried by herald.js, which shares one connection per
// stream among all of this site's tabs; the wire example (4) and the re-polling script (5) use a plain
// EventSource, as the seeds do, and hold no connection for long.
import { HeraldSource } from '/herald.js';

const sources = {};
const counts = { time: 0, notification: 0, status: 0 };
const STATES = ['CONNECTING', 'OPEN', 'CLOSED'];
const HUB = '/.well-known/mercure';

const $ = (id) => document.getElementById(id);
const stamp = () => new Date().toLocaleTimeString();

function line(logId, text, color) {
  const log = $(logId), p = document.createElement('p');
  if (color) p.style.color = color;
  p.textContent = `${stamp()} - ${text}`;
  log.appendChild(p);
  while (log.childElementCount > 200) log.firstElementChild.remove();  // a page left open stays small
  log.scrollTop = log.scrollHeight;
}

function row(tbodyId, values) {
  const tr = document.createElement('tr');
  for (const value of values) { const td = document.createElement('td'); td.textContent = value; tr.appendChild(td); }
  const body = $(tbodyId);
  body.appendChild(tr);
  while (body.childElementCount > 200) body.firstElementChild.remove();
  return tr;
}

function showState(name) {
  const source = sources[name], state = source ? STATES[source.readyState] : 'CLOSED', el = $(`${name}-state`);
  if (!el) return;
  el.textContent = state;
  el.className = `state ${state}`;
}

/** Opens `name`'s source, closing the one before: a HeraldSource unless `plain` asks for an EventSource. */
function open(name, url, { plain = false, options = {} } = {}) {
  if (sources[name]) sources[name].close();
  const source = plain ? new EventSource(url) : new HeraldSource(url, options);
  sources[name] = source;
  source.addEventListener('open', () => showState(name));
  source.addEventListener('error', () => showState(name));
  showState(name);
  return source;
}

function stop(name) {
  if (sources[name]) sources[name].close();
  showState(name);
  if (name === 'time') $('time-display').textContent = 'Connection closed';
  if (name === 'hub') stop('poll');
}
setInterval(() => Object.keys(sources).forEach(showState), 250);

// 1-3: the page's three ticking panels read /demo/seeds, which carries /demo/time, /demo/multi and
// /demo/json in one stream; each panel is a source of its own, and all share one connection.
function startTime() {
  const source = open('time', '/demo/seeds');
  source.onopen = () => { $('time-display').textContent = 'Connected to server'; line('time-log', 'onopen', '#28a745'); };
  source.onerror = () => { $('time-display').textContent = 'Connection error occurred'; line('time-log', `onerror (readyState ${STATES[source.readyState]})`, '#dc3545'); };
  source.addEventListener('server-time', (e) => { $('time-display').textContent = e.data; });
}

function startMulti() {
  const source = open('multi', '/demo/seeds');
  $('multi-log').textContent = '';
  for (const [type, label, color] of [['time', 'Time: ', '#007bff'], ['notification', 'Alert: ', '#dc3545'], ['status', 'Status: ', '#28a745']]) {
    source.addEventListener(type, (e) => {
      counts[type] += 1;
      $(`multi-count-${type}`).textContent = counts[type];
      line('multi-log', label + e.data, color);
    });
  }
}

function startJSON() {
  const source = open('json', '/demo/seeds');
  source.addEventListener('message', (e) => {
    const pullData = JSON.parse(e.data), li = document.createElement('li');
    li.textContent = `${pullData.name}, ${pullData.date} (id ${e.lastEventId})`;
    const list = $('json-list');
    list.appendChild(li);
    while (list.childElementCount > 200) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  });
}

// 4: the seed's bytes fire five events; the stream then stays open and idle, so it is closed after
// the fifth rather than holding one of the browser's six connections for nothing.
function startWire() {
  const source = open('wire', '/demo/wire', { plain: true });
  let n = 0;
  $('wire-events').textContent = '';
  const record = (e) => {
    row('wire-events', [++n, e.type, e.lastEventId, e.data]);
    if (n === 5) { source.close(); showState('wire'); }
  };
  for (const type of ['message', 'foo', 'bar']) source.addEventListener(type, record);
}

// 5: the seed's script that sends one event and ends; the browser polls it again after retry.
function startRepoll() {
  const source = open('repoll', '/demo/repoll', { plain: true });
  let polls = 0;
  $('repoll-log').textContent = '';
  source.addEventListener('message', (e) => {
    const d = JSON.parse(e.data);
    polls += 1;
    line('repoll-log', `poll ${polls}: sent Last-Event-ID ${d.resumedFrom === '' ? '(none)' : d.resumedFrom}, got id ${e.lastEventId}`, '#007bff');
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CONNECTING) line('repoll-log', 'response ended; reconnecting after retry', '#777');
  });
}

// 6: the hub. 8: the same subscription by long polling, its ids beside the stream's.
let hubEventCount = 0;
const pollRows = new Map();  // id -> the row of panel 8 showing it

function hubSubscription() {
  const url = new URL(HUB, location.href);
  $('hub-topics').value.split('\n').map((t) => t.trim()).filter(Boolean).forEach((t) => url.searchParams.append('topic', t));
  const lastEventId = $('hub-last-event-id').value.trim();
  const token = $('hub-subscriber-token').value.trim();
  // The token is asked for before every connection, so a refreshed one is used without a reload.
  const options = { lastEventId: lastEventId || undefined, token: token ? () => $('hub-subscriber-token').value.trim() : undefined };
  return { url: url.href, options };
}

function hubSubscribe() {
  const { url, options } = hubSubscription();
  const source = open('hub', url, { options });
  source.onmessage = hubRecord;
  for (const type of ['foo', 'bar', 'note']) source.addEventListener(type, hubRecord);
  // A stream the hub ends (write timeout, restart) is reconnected, resuming after the last id.
  source.addEventListener('error', () => { if (source.readyState === HeraldSource.CONNECTING) window.demo.hubReconnects += 1; });
  pollSubscribe();
}

function hubRecord(e) {
  row('hub-events', [++hubEventCount, e.type, e.lastEventId, e.data]);
  pollRecord(e.lastEventId, e.data, 1);
}

function pollSubscribe() {
  const { url, options } = hubSubscription();
  const source = open('poll', url, { options: { ...options, transport: 'longpoll' } });
  $('poll-events').textContent = '';
  pollRows.clear();
  const record = (e) => pollRecord(e.lastEventId, e.data, 2);
  source.onmessage = record;
  for (const type of ['foo', 'bar', 'note']) source.addEventListener(type, record);
}

/** Puts `id` in its row of panel 8, in the stream's column (1) or the poll's (2). */
function pollRecord(id, data, column) {
  let tr = pollRows.get(id);
  if (!tr) {
    tr = row('poll-events', [pollRows.size + 1, '', '', data]);
    pollRows.set(id, tr);
  }
  tr.children[column].textContent = id;
}

function hubPost(fields) {
  const body = new URLSearchParams();
  for (const [name, value] of fields) body.append(name, value);
  return fetch(HUB, { method: 'POST', headers: { Authorization: `Bearer ${$('hub-publisher-token').value.trim()}` }, body })
    .then((response) => response.text().then((text) => ({ ok: response.ok, status: response.status, text: text.trim() })));
}

function hubPublish() {
  const fields = [['topic', $('hub-publish-topic').value], ['data', $('hub-publish-data').value]];
  if ($('hub-publish-type').value.trim()) fields.push(['type', $('hub-publish-type').value.trim()]);
  if ($('hub-publish-private').checked) fields.push(['private', 'on']);
  hubPost(fields).then((r) => {
    $('hub-publish-result').textContent = r.ok ? `published: ${r.text}` : `refused (${r.status}): ${r.text}`;
  });
}

// The seed's wire example, published through the hub as five updates: the hub adds ids of its own
// where the seed has none, and every subscriber of the topic receives them.
async function hubPublishSeed() {
  const topic = $('hub-publish-topic').value;
  const updates = [
    [['data', 'First message is a simple string.']],
    [['data', '{"message": "JSON payload"}']],
    [['type', 'foo'], ['data', 'Message of type "foo"']],
    [['type', 'bar'], ['id', '42'], ['data', 'Multi-line message of\ntype "bar" and id "42"']],
    [['id', '43'], ['data', 'Last message, id "43"']],
  ];
  let r;
  for (const fields of updates) r = await hubPost([['topic', topic], ...fields]);
  $('hub-publish-result').textContent = r.ok ? `published the seed example (last id ${r.text})` : `refused (${r.status}): ${r.text}`;
}

// 7: what the hub panel's source says about its connection, and what the server counts.
function showSharing() {
  const source = sources.hub;
  const status = source && source.readyState !== HeraldSource.CLOSED ? source.status : null;
  $('tabs-connection').textContent = status && status.connection ? status.connection : '–';
  $('tabs-count').textContent = status ? String(status.tabs) : '–';
  $('tabs-sharing').textContent = status ? { worker: 'a SharedWorker', leader: 'an elected tab', tab: 'this tab alone' }[status.sharing] || '–' : '–';
  $('tabs-transport').textContent = status ? status.transport || '–' : '–';
  const state = status ? STATES[status.readyState] : 'CLOSED';
  $('tabs-state').textContent = state;
  $('tabs-state').className = `state ${state}`;
}
setInterval(showSharing, 500);

async function showServerConnections() {
  try {
    const activity = await (await fetch('/demo/activity', { cache: 'no-store' })).json();
    $('tabs-server-connections').textContent = activity.connections == null ? '–' : String(activity.connections);
  } catch {
    $('tabs-server-connections').textContent = '–';
  }
}
setInterval(showServerConnections, 2000);

// Buttons and forms.
const starters = { time: startTime, multi: startMulti, json: startJSON, wire: startWire, repoll: startRepoll };
for (const button of document.querySelectorAll('[data-start]')) button.addEventListener('click', () => starters[button.dataset.start]());
for (const button of document.querySelectorAll('[data-stop]')) button.addEventListener('click', () => stop(button.dataset.stop));
$('hub-subscribe-form').addEventListener('submit', (e) => { e.preventDefault(); hubSubscribe(); });
$('hub-publish-form').addEventListener('submit', (e) => { e.preventDefault(); hubPublish(); });
$('hub-publish-seed').addEventListener('click', hubPublishSeed);

// For tests and the curious: the page's sources.
window.demo = { sources, counts, HeraldSource, hubReconnects: 0 };

startTime(); startMulti(); startJSON();
// The wire and re-polling panels show what a browser's own EventSource does; without one, they wait.
if (typeof EventSource === 'function') { startWire(); startRepoll(); }
showServerConnections();
fetch('/demo/hub.json').then((r) => (r.ok ? r.json() : {})).then((config) => {
  if (config.publisherToken) $('hub-publisher-token').value = config.publisherToken;
  hubSubscribe();
});
