// herald.js: an EventSource for Herald, in one dependency-free ES module, served by the hub at /herald.js.
//
//   import { HeraldSource } from '/herald.js';
//   const source = new HeraldSource('/.well-known/mercure?topic=https://example.com/books/1');
//   source.onmessage = (event) => console.log(event.data, event.lastEventId);
//
// Its API is EventSource's (onopen, onmessage, onerror, addEventListener, readyState, lastEventId,
// close()). What it adds:
// - Sharing: every tab of an origin shares one connection per subscription (same URL, credentials and
//   transport), held by a SharedWorker (this same file); where there is none, by one tab elected with
//   Web Locks and reached through a BroadcastChannel; where neither exists, each tab has its own.
// - Long polling: where EventSource is missing, or a stream sends nothing (not even the hub's heartbeat)
//   within the watchdog time, as behind a proxy that holds streamed responses back, it polls the hub
//   (longPoll=1) instead. One cursor, the id last delivered; a repeated id is dropped.
// - Reconnection: backoff with jitter from the server's retry:, a heartbeat watchdog, a token asked of
//   options.token() before every connection, a stop on 204, 401 and 403 (the status in the error event),
//   and an immediate retry when the browser comes back online or the page from the back/forward cache.
// - HeraldSource.status(): which transport and which shared connection each source of the page is on.

const CONNECTING = 0, OPEN = 1, CLOSED = 2;
const DEFAULTS = {
  retry: 3000,           // ms before reconnecting, until the server sends retry:
  maxRetry: 30000,       // the longest backoff
  watchdog: 60000,       // ms of silence after which a stream counts as lost (the hub's heartbeat is 40 s)
  pollTimeout: 60000,    // ms a poll may take (the hub answers within its --long-poll-timeout, 25 s)
};
const LINGER_MS = 1500;        // a connection outlives its last tab this long, so a reload reuses it
const PING_MS = 2000;          // the sharing side pings every tab this often...
const TAB_TIMEOUT_MS = 10000;  // ...and forgets one silent this long (closed without a goodbye)
const RECENT_EVENTS = 256;     // events kept per shared connection for a tab that rejoins behind
const SEEN_IDS = 1024;         // ids remembered to drop repeats

// ---------------------------------------------------------------------------------------------
// The wire format (WHATWG HTML, "Parsing an event stream")

/** Parses text/event-stream text pushed in pieces; calls onEvent({type, data, lastEventId, hasId}). */
export class EventStreamParser {
  constructor(onEvent, { onRetry = () => {}, onComment = () => {} } = {}) {
    this.onEvent = onEvent; this.onRetry = onRetry; this.onComment = onComment;
    this.buffer = ''; this.started = false; this.lastCR = false;
    this.data = ''; this.type = ''; this.lastEventId = ''; this.hasId = false;
  }

  /** Feeds decoded text; complete lines are processed, the rest kept for the next push. */
  push(text) {
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xFEFF) text = text.slice(1);
    }
    // A CR that ended the last piece already ended its line: an LF right after it is part of it.
    if (this.lastCR && text[0] === '\n') text = text.slice(1);
    this.buffer += text;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start), lf = this.buffer.indexOf('\n', start);
      if (cr < 0 && lf < 0) break;
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      this.line(this.buffer.slice(start, end));
      start = end + 1;
      if (this.buffer[end] === '\r') {
        if (start === this.buffer.length) { this.lastCR = true; this.buffer = ''; return; }
        if (this.buffer[start] === '\n') start += 1;
      }
    }
    this.lastCR = false;
    this.buffer = this.buffer.slice(start);
  }

  /** The end of a response: an event not closed by a blank line is dropped, as browsers do. */
  end() { this.buffer = ''; this.data = ''; this.type = ''; this.hasId = false; this.lastCR = false; }

  line(line) {
    if (line === '') return this.dispatch();
    if (line[0] === ':') return this.onComment(line.slice(1));
    const colon = line.indexOf(':');
    let field = line, value = '';
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    }
    if (field === 'data') this.data += value + '\n';
    else if (field === 'event') this.type = value;
    else if (field === 'id') { if (!value.includes('\0')) { this.lastEventId = value; this.hasId = true; } }
    else if (field === 'retry') { if (/^[0-9]+$/.test(value)) this.onRetry(parseInt(value, 10)); }
  }

  dispatch() {
    const hasId = this.hasId;
    this.hasId = false;
    if (this.data === '') { this.type = ''; return; }
    const event = { type: this.type || 'message', data: this.data.slice(0, -1), lastEventId: this.lastEventId, hasId };
    this.data = ''; this.type = '';
    this.onEvent(event);
  }
}

/** The id last delivered, and the ids seen lately, so that a switch of transport repeats nothing. */
export class Cursor {
  constructor(lastEventId = '', limit = SEEN_IDS) { this.lastEventId = lastEventId; this.limit = limit; this.seen = new Set(); }

  /** Whether `event` is new; remembers its id. Events without an id of their own are always new. */
  accept(event) {
    if (event.hasId && event.lastEventId !== '') {
      if (this.seen.has(event.lastEventId)) return false;
      this.seen.add(event.lastEventId);
      if (this.seen.size > this.limit) this.seen.delete(this.seen.values().next().value);
    }
    this.lastEventId = event.lastEventId;
    return true;
  }
}

/** The delay before reconnection attempt `failures` (0 after a clean end): from `retry`, doubled per failure, jittered. */
export function backoff(retry, failures, maxRetry = DEFAULTS.maxRetry, random = Math.random) {
  const base = Math.min(maxRetry, retry * Math.pow(2, Math.min(failures, 16)));
  return Math.round(base * (0.5 + random() / 2));
}

/** `url` with the query parameters `params` (null values left out) added. */
function withParams(url, params) {
  const u = new URL(url);
  for (const [name, value] of Object.entries(params)) if (value != null && value !== '') u.searchParams.append(name, value);
  return u.href;
}

// ---------------------------------------------------------------------------------------------
// One connection to the server, wherever it runs (SharedWorker, elected tab, or the page)

let connectionCount = 0;

/**
 * A subscription's connection: a stream read with fetch (every byte is seen, heartbeats included), or
 * long polls. Reports to `listener`: open(), event(event), error({status, message, readyState}), state().
 */
class Connection {
  constructor(spec, listener, askToken) {
    this.spec = spec; this.listener = listener; this.askToken = askToken;
    this.id = `${Date.now().toString(36)}-${(++connectionCount).toString(36)}`;
    this.transport = spec.transport;            // 'eventsource' or 'longpoll'
    this.cursor = new Cursor(spec.lastEventId || '');
    this.retry = spec.retry; this.failures = 0;
    this.readyState = CONNECTING; this.closed = false;
    this.abort = null; this.timer = null; this.wakeUp = null;
    // Started once the registry has recorded who asked for it: the first token comes from one of them.
    queueMicrotask(() => this.run());
  }

  close() {
    this.closed = true; this.readyState = CLOSED;
    if (this.abort) this.abort.abort();
    clearTimeout(this.timer);
    if (this.wakeUp) this.wakeUp();
  }

  /** Reconnects now if waiting to (the browser is back online, a page is back from the cache). */
  wake() { if (this.wakeUp) this.wakeUp(); }

  async run() {
    // A hub subscription starts from a cursor: one quick poll asks the hub for its newest id, and the
    // stream resumes after it. Whatever happens to the stream after that (a proxy holding it back, a
    // switch to polling, a reconnection) loses nothing published since.
    this.needsCursor = !this.cursor.lastEventId && new URL(this.spec.url).pathname.endsWith('/.well-known/mercure');
    while (!this.closed) {
      let outcome;
      try {
        outcome = this.transport === 'longpoll' || this.needsCursor ? await this.poll() : await this.stream();
      } catch (error) {
        outcome = { failed: true, message: String(error && error.message || error) };
      }
      if (this.closed) return;
      if (outcome.stop) {
        this.readyState = CLOSED; this.closed = true;
        this.listener.error({ status: outcome.status, message: outcome.message, readyState: CLOSED });
        return;
      }
      if (outcome.switchTo) { this.transport = outcome.switchTo; this.listener.state(); continue; }
      if (outcome.again) continue;  // a poll answered: the next one at once
      this.failures = outcome.failed ? this.failures + 1 : 0;
      this.readyState = CONNECTING;
      this.listener.error({ status: outcome.status, message: outcome.message, readyState: CONNECTING });
      await this.sleep(backoff(this.retry, this.failures, this.spec.maxRetry));
    }
  }

  sleep(ms) {
    return new Promise((resolve) => {
      this.wakeUp = () => { clearTimeout(this.timer); this.wakeUp = null; resolve(); };
      this.timer = setTimeout(this.wakeUp, ms);
    });
  }

  async request(extra) {
    const token = this.spec.hasToken ? await this.askToken() : null;
    const url = withParams(this.spec.url, { ...extra, authorization: token });
    const headers = {};
    if (this.cursor.lastEventId) headers['Last-Event-ID'] = this.cursor.lastEventId;
    return { url, init: { headers, credentials: this.spec.withCredentials ? 'include' : 'same-origin', cache: 'no-store' } };
  }

  /** What a status other than 200 means: stop (the server said so, or will say it again) or retry. */
  static refusal(response) {
    const status = response.status;
    const stop = status === 204 || (status >= 400 && status < 500 && status !== 408 && status !== 429);
    return { stop, failed: !stop, status, message: `the server answered ${status}` };
  }

  deliver(event) {
    if (!this.cursor.accept(event)) return;
    this.listener.event(event);
  }

  opened() {
    if (this.readyState === OPEN) return;
    this.readyState = OPEN;
    this.listener.open();
  }

  async stream() {
    const { url, init } = await this.request({});
    if (this.closed) return {};
    const abort = this.abort = new AbortController();
    let receivedAny = false, silent = false;
    const watchdog = () => { silent = true; abort.abort(); };
    let dog = setTimeout(watchdog, this.spec.watchdog);
    try {
      const response = await fetch(url, { ...init, headers: { ...init.headers, Accept: 'text/event-stream' }, signal: abort.signal });
      if (response.status !== 200) return Connection.refusal(response);
      if (!/^text\/event-stream/i.test(response.headers.get('Content-Type') || '')) {
        return { stop: true, status: 200, message: 'the response is not text/event-stream' };
      }
      this.opened();
      const parser = new EventStreamParser((event) => this.deliver(event), { onRetry: (ms) => { this.retry = ms; } });
      const reader = response.body.getReader(), decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(dog); dog = setTimeout(watchdog, this.spec.watchdog);
        if (!receivedAny) { receivedAny = true; this.failures = 0; }
        parser.push(decoder.decode(value, { stream: true }));
      }
      parser.end();
      return {};  // the server ended the stream: reconnect after retry
    } catch (error) {
      if (this.closed) return {};
      // Nothing at all, not even a heartbeat, within the watchdog time: something holds the stream back.
      if (silent && !receivedAny && this.spec.auto) return { switchTo: 'longpoll' };
      return { failed: true, message: silent ? 'no heartbeat within the watchdog time' : String(error.message || error) };
    } finally {
      clearTimeout(dog);
    }
  }

  async poll() {
    const { url, init } = await this.request({ longPoll: '1' });
    if (this.closed) return {};
    const abort = this.abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.spec.pollTimeout);
    try {
      const response = await fetch(url, { ...init, signal: abort.signal });
      if (response.status !== 200) return Connection.refusal(response);
      const text = await response.text();
      this.failures = 0;
      this.opened();
      let delivered = false;
      const parser = new EventStreamParser((event) => { delivered = true; this.deliver(event); }, { onRetry: (ms) => { this.retry = ms; } });
      parser.push(text); parser.end();
      // With no event, the header tells where to poll from (the newest id when there was no cursor).
      const header = response.headers.get('Last-Event-ID');
      if (!delivered && header) this.cursor.lastEventId = header;
      this.needsCursor = false;
      return { again: true };
    } catch (error) {
      if (this.closed) return {};
      return { failed: true, message: String(error.message || error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The sharing side: tabs (ports) subscribe; one Connection per distinct subscription

/**
 * Holds the connections for the tabs attached to it. A port is anything with postMessage(message) whose
 * messages are given to receive(port, message). Runs in the SharedWorker, in the elected tab, or in a page.
 */
class Registry {
  constructor(sharing) {
    this.sharing = sharing;  // 'worker', 'leader' or 'tab'
    this.shared = new Map(); // key -> { connection, members: Map<port, Set<sid>>, recent: [], linger }
    this.ports = new Map();  // port -> { lastSeen, sources: Map<sid, key> }
    this.tokens = new Map(); // nonce -> resolve
    this.nonce = 0;
    this.pinger = setInterval(() => this.ping(), PING_MS);
  }

  attach(port) { if (!this.ports.has(port)) this.ports.set(port, { lastSeen: Date.now(), sources: new Map() }); }

  receive(port, message) {
    this.attach(port);
    const tab = this.ports.get(port);
    tab.lastSeen = Date.now();
    switch (message.op) {
      case 'open': return this.open(port, message.sid, message.spec);
      case 'close': return this.leave(port, message.sid);
      case 'bye': return this.detach(port);
      case 'token': { const resolve = this.tokens.get(message.nonce); this.tokens.delete(message.nonce); if (resolve) resolve(message.token); return; }
      case 'wake': for (const entry of this.shared.values()) entry.connection.wake(); return;
      default: return;  // 'pong': lastSeen is enough
    }
  }

  open(port, sid, spec) {
    const key = JSON.stringify([spec.url, spec.withCredentials, spec.requested, spec.hasToken, spec.shareKey || '']);
    this.ports.get(port).sources.set(sid, key);
    let entry = this.shared.get(key);
    if (entry && entry.connection.closed) { this.shared.delete(key); entry = null; }  // it stopped (401, 204…): try anew
    if (!entry) {
      entry = { members: new Map(), recent: [], linger: null };
      this.shared.set(key, entry);
      entry.connection = new Connection(spec, this.listenerFor(entry), () => this.askToken(entry));
    }
    clearTimeout(entry.linger);
    if (!entry.members.has(port)) entry.members.set(port, new Set());
    entry.members.get(port).add(sid);
    const connection = entry.connection;
    // A tab that comes back behind the connection (a reload, the back/forward cache) gets what it missed.
    if (spec.lastEventId && spec.lastEventId !== connection.cursor.lastEventId) {
      const from = entry.recent.findIndex((event) => event.lastEventId === spec.lastEventId);
      if (from >= 0) for (const event of entry.recent.slice(from + 1)) port.postMessage({ op: 'event', sid, event });
    }
    if (connection.readyState === OPEN) port.postMessage({ op: 'open', sid });
    this.announce(entry);
  }

  listenerFor(entry) {
    const each = (message) => { for (const [port, sids] of entry.members) for (const sid of sids) port.postMessage({ ...message, sid }); };
    return {
      open: () => { each({ op: 'open' }); this.announce(entry); },
      event: (event) => {
        entry.recent.push(event);
        if (entry.recent.length > RECENT_EVENTS) entry.recent.shift();
        each({ op: 'event', event });
      },
      error: (error) => { each({ op: 'error', error }); this.announce(entry); },
      state: () => this.announce(entry),
    };
  }

  /** Tells every tab on the connection what it is: its id, transport, and how many tabs share it. */
  announce(entry) {
    const c = entry.connection;
    const info = { connection: c.id, transport: c.transport, sharing: this.sharing, tabs: entry.members.size, readyState: c.readyState };
    for (const [port, sids] of entry.members) for (const sid of sids) port.postMessage({ op: 'info', sid, info });
  }

  /** Asks the tabs that gave a token callback for a token, one after another until one answers. */
  async askToken(entry) {
    for (const port of entry.members.keys()) {
      const nonce = ++this.nonce;
      const token = await new Promise((resolve) => {
        this.tokens.set(nonce, resolve);
        port.postMessage({ op: 'token-request', nonce });
        setTimeout(() => { if (this.tokens.delete(nonce)) resolve(undefined); }, 5000);
      });
      if (token !== undefined) return token;
    }
    return null;
  }

  leave(port, sid) {
    const tab = this.ports.get(port);
    const key = tab && tab.sources.get(sid);
    if (!key) return;
    tab.sources.delete(sid);
    const entry = this.shared.get(key);
    const sids = entry && entry.members.get(port);
    if (!sids) return;
    sids.delete(sid);
    if (sids.size === 0) entry.members.delete(port);
    if (entry.members.size > 0) return this.announce(entry);
    entry.linger = setTimeout(() => {
      if (entry.members.size > 0) return;
      entry.connection.close();
      this.shared.delete(key);
    }, LINGER_MS);
  }

  detach(port) {
    const tab = this.ports.get(port);
    if (!tab) return;
    for (const sid of [...tab.sources.keys()]) this.leave(port, sid);
    this.ports.delete(port);
  }

  ping() {
    const now = Date.now();
    for (const [port, tab] of this.ports) {
      if (now - tab.lastSeen > TAB_TIMEOUT_MS) this.detach(port);  // a tab gone without a goodbye
      else port.postMessage({ op: 'ping' });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The SharedWorker: this file, loaded with new SharedWorker(import.meta.url, { type: 'module' })

if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
  const registry = new Registry('worker');
  self.onconnect = (event) => {
    const port = event.ports[0];
    registry.attach(port);
    port.onmessage = (message) => registry.receive(port, message.data);
    port.start();
  };
}

// ---------------------------------------------------------------------------------------------
// The page side

/** How this page reaches a registry: a SharedWorker's port, an elected tab, or one of its own. */
class Bridge {
  static get(shared) {
    if (!shared) return Bridge.local || (Bridge.local = new Bridge('tab'));
    if (!Bridge.shared) {
      // A SharedWorker must come from the page's own origin: a page importing herald.js from a hub on
      // another origin shares through an elected tab instead.
      const sameOrigin = typeof location !== 'undefined' && new URL(import.meta.url).origin === location.origin;
      if (typeof SharedWorker === 'function' && sameOrigin) Bridge.shared = new Bridge('worker');
      else if (typeof BroadcastChannel === 'function' && typeof navigator !== 'undefined' && navigator.locks) Bridge.shared = new Bridge('leader');
      else Bridge.shared = Bridge.get(false);
    }
    return Bridge.shared;
  }

  constructor(mode) {
    this.mode = mode;
    this.sources = new Map();  // sid -> HeraldSource
    if (mode === 'worker') this.connectWorker();
    else if (mode === 'leader') this.connectLeader();
    else this.connectLocal(new Registry('tab'));
    addEventListener('pagehide', () => this.post({ op: 'bye' }));
    addEventListener('pageshow', (event) => { if (event.persisted) this.reopenAll(); });
    addEventListener('online', () => this.post({ op: 'wake' }));
  }

  connectWorker() {
    const worker = new SharedWorker(import.meta.url, { type: 'module', name: 'herald' });
    this.port = worker.port;
    this.port.onmessage = (message) => this.receive(message.data);
    this.port.start();
    this.post = (message) => this.port.postMessage(message);
  }

  connectLocal(registry) {
    const port = { postMessage: (message) => queueMicrotask(() => this.receive(message)) };
    this.post = (message) => registry.receive(port, message);
  }

  // Without SharedWorker: the tab holding the Web Lock runs the registry; the others reach it on a
  // BroadcastChannel. When it goes, the next tab in line takes the lock and every tab opens again.
  connectLeader() {
    const channel = new BroadcastChannel('herald.js');
    const me = Math.random().toString(36).slice(2);
    let registry = null;
    const ports = new Map();
    const portFor = (tab) => {
      if (!ports.has(tab)) ports.set(tab, { postMessage: (message) => tab === me ? queueMicrotask(() => this.receive(message)) : channel.postMessage({ to: tab, message }) });
      return ports.get(tab);
    };
    this.post = (message) => registry ? registry.receive(portFor(me), message) : channel.postMessage({ to: 'leader', from: me, message });
    channel.onmessage = ({ data }) => {
      if (data.to === 'leader' && registry) registry.receive(portFor(data.from), data.message);
      else if (data.to === me) this.receive(data.message);
      else if (data.to === 'all' && data.message.op === 'leader') this.reopenAll();
    };
    navigator.locks.request('herald.js leader', () => {
      registry = new Registry('leader');
      channel.postMessage({ to: 'all', message: { op: 'leader' } });
      this.reopenAll();
      return new Promise(() => {});  // held for as long as this tab lives
    });
  }

  open(source) {
    this.sources.set(source._sid, source);
    this.post({ op: 'open', sid: source._sid, spec: source._spec() });
  }

  close(source) {
    this.sources.delete(source._sid);
    this.post({ op: 'close', sid: source._sid });
  }

  reopenAll() { for (const source of this.sources.values()) this.post({ op: 'open', sid: source._sid, spec: source._spec() }); }

  receive(message) {
    if (message.op === 'ping') return this.post({ op: 'pong' });
    if (message.op === 'token-request') {
      const source = [...this.sources.values()].find((s) => s._options.token);
      const answer = (token) => this.post({ op: 'token', nonce: message.nonce, token: token == null ? null : String(token) });
      if (!source) return answer(null);
      return Promise.resolve().then(() => source._options.token()).then(answer, () => answer(null));
    }
    const source = this.sources.get(message.sid);
    if (source) source._receive(message);
  }
}

let sourceCount = 0;
const pageSources = new Set();

/** EventSource's API over a shared connection, with long polling as its fallback. */
export class HeraldSource extends EventTarget {
  /**
   * @param {string} url the stream's URL (a hub's subscribe URL for long polling)
   * @param {object} [options]
   * @param {boolean} [options.withCredentials] send cookies cross-origin (the mercureAuthorization cookie)
   * @param {boolean} [options.shared=true] share one connection with the origin's other tabs
   * @param {'auto'|'eventsource'|'longpoll'} [options.transport='auto'] stream, poll, or stream with polling as fallback
   * @param {() => string|Promise<string>} [options.token] asked before every connection: a JWT sent as ?authorization=
   * @param {string} [options.lastEventId] where to resume from
   * @param {number} [options.retry] ms before reconnecting until the server sends retry: (3000)
   * @param {number} [options.watchdog] ms of silence after which a stream counts as lost (60000)
   * @param {string} [options.shareKey] tabs share a connection only with the same key (say, a user id)
   */
  constructor(url, options = {}) {
    super();
    this.url = new URL(url, typeof location !== 'undefined' ? location.href : undefined).href;
    this.withCredentials = !!options.withCredentials;
    this.readyState = CONNECTING;
    this.lastEventId = options.lastEventId || '';
    this.onopen = null; this.onmessage = null; this.onerror = null;
    this._options = options;
    this._sid = `${++sourceCount}`;
    this._info = { transport: null, connection: null, tabs: 0, sharing: null };
    this._bridge = Bridge.get(options.shared !== false);
    pageSources.add(this);
    this._bridge.open(this);
  }

  _spec() {
    const requested = this._options.transport || 'auto';
    // Streams are read with fetch; that a browser has EventSource is what says it streams at all.
    const streams = typeof EventSource === 'function' && typeof ReadableStream === 'function';
    const transport = requested === 'longpoll' || !streams ? 'longpoll' : 'eventsource';
    return {
      url: this.url, withCredentials: this.withCredentials, requested, transport, auto: requested === 'auto',
      hasToken: typeof this._options.token === 'function', shareKey: this._options.shareKey,
      lastEventId: this.lastEventId,
      retry: this._options.retry || DEFAULTS.retry, maxRetry: this._options.maxRetry || DEFAULTS.maxRetry,
      watchdog: this._options.watchdog || DEFAULTS.watchdog, pollTimeout: this._options.pollTimeout || DEFAULTS.pollTimeout,
    };
  }

  _receive(message) {
    if (this.readyState === CLOSED) return;
    switch (message.op) {
      case 'open':
        if (this.readyState === OPEN) return;
        this.readyState = OPEN;
        return this._fire(new Event('open'), this.onopen);
      case 'event': {
        const { type, data, lastEventId } = message.event;
        this.lastEventId = lastEventId;
        return this._fire(new MessageEvent(type, { data, lastEventId, origin: new URL(this.url).origin }), type === 'message' ? this.onmessage : null);
      }
      case 'error': {
        this.readyState = message.error.readyState;
        const event = new Event('error');
        event.status = message.error.status; event.message = message.error.message;
        if (this.readyState === CLOSED) this._leave();
        return this._fire(event, this.onerror);
      }
      case 'info':
        this._info = message.info;
        return;
    }
  }

  _fire(event, handler) {
    this.dispatchEvent(event);
    if (typeof handler === 'function') handler.call(this, event);
  }

  _leave() {
    pageSources.delete(this);
    this._bridge.close(this);
  }

  /** Closes this source; the shared connection closes once no tab uses it. */
  close() {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this._leave();
  }

  /** This source's transport ('eventsource' or 'longpoll'), shared connection id, sharing and tab count. */
  get status() {
    return { url: this.url, readyState: this.readyState, lastEventId: this.lastEventId, ...this._info };
  }

  /** The status of every open source of this page. */
  static status() { return [...pageSources].map((source) => source.status); }
}

HeraldSource.CONNECTING = CONNECTING; HeraldSource.OPEN = OPEN; HeraldSource.CLOSED = CLOSED;
