/// The demo page served at `/`: one section per example of the seed documents, each with its own
/// `EventSource`. Plain HTML and JavaScript kept in the binary, so there is no build step or asset.
enum DemoPage {
    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald: Server-Sent Events demos</title>
<style>
  body { font-family: system-ui, Arial, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px; color: #222; }
  h1 { margin: 0 0 4px; } p.lead { margin: 0 0 16px; color: #555; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 14px; }
  section { border: 1px solid #ccc; border-radius: 8px; padding: 10px 14px; background: #fafafa; }
  h2 { font-size: 1.05em; margin: 2px 0 6px; } .src { font-size: .8em; color: #777; }
  .state { display: inline-block; font-weight: bold; font-size: .8em; padding: 1px 7px; border-radius: 9px; color: #fff; background: #999; }
  .state.OPEN { background: #28a745; } .state.CONNECTING { background: #e0a800; } .state.CLOSED { background: #6c757d; }
  .log { height: 150px; overflow-y: auto; background: #fff; border: 1px solid #ddd; padding: 4px 8px; font-size: .85em; margin-top: 6px; }
  .log p, .log li { margin: 2px 0; } button { margin: 6px 6px 0 0; }
  #time-display { font-size: 1.4em; font-family: monospace; padding: 6px; border: 1px solid #ccc; background: #fff; margin-top: 6px; }
  table { border-collapse: collapse; width: 100%; font-size: .85em; background: #fff; margin-top: 6px; }
  td, th { border: 1px solid #ddd; padding: 2px 5px; text-align: left; vertical-align: top; white-space: pre-wrap; }
  .counts { font-size: .8em; color: #555; }
  section.wide { grid-column: 1 / -1; } .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
  form label { display: block; font-size: .85em; margin: 4px 0; } form input:not([type=checkbox]), form textarea { width: 100%; box-sizing: border-box; }
</style>
</head>
<body>
<h1>Herald</h1>
<p class="lead">Server-Sent Events demos: each example of the seed documents, live, each on its own <code>EventSource</code>.</p>
<div class="grid">

<section id="time">
  <h2>1. Live server time <span class="state" id="time-state">CLOSED</span></h2>
  <div class="src">GET /demo/time &middot; named event <code>server-time</code> every tick</div>
  <div id="time-display">Connecting to server...</div>
  <button id="time-start" onclick="startTime()">Start</button><button id="time-stop" onclick="stopSource('time', 'Connection closed')">Stop</button>
  <div class="log" id="time-log"></div>
</section>

<section id="multi">
  <h2>2. Multiple event types <span class="state" id="multi-state">CLOSED</span></h2>
  <div class="src">GET /demo/multi &middot; <code>time</code> every tick, <code>notification</code> every 5th, <code>status</code> every 10th</div>
  <div class="counts">time <b id="multi-count-time">0</b> &middot; notification <b id="multi-count-notification">0</b> &middot; status <b id="multi-count-status">0</b></div>
  <button id="multi-start" onclick="startMulti()">Start</button><button id="multi-stop" onclick="stopSource('multi')">Stop</button>
  <div class="log" id="multi-log">Waiting for events...</div>
</section>

<section id="json">
  <h2>3. JSON payload <span class="state" id="json-state">CLOSED</span></h2>
  <div class="src">GET /demo/json &middot; <code>id:</code> and <code>{"name","date"}</code> every tick, parsed with <code>JSON.parse</code></div>
  <button id="json-start" onclick="startJSON()">Start</button><button id="json-disconnect" onclick="stopSource('json')">Disconnect</button>
  <ul class="log" id="json-list"></ul>
</section>

<section id="wire">
  <h2>4. The wire-format example <span class="state" id="wire-state">CLOSED</span></h2>
  <div class="src">GET /demo/wire &middot; the seed's bytes, as they are: what does the browser fire?</div>
  <button id="wire-start" onclick="startWire()">Start</button><button id="wire-stop" onclick="stopSource('wire')">Stop</button>
  <table><thead><tr><th>#</th><th>type</th><th>lastEventId</th><th>data</th></tr></thead><tbody id="wire-events"></tbody></table>
</section>

<section id="repoll">
  <h2>5. Re-polling script <span class="state" id="repoll-state">CLOSED</span></h2>
  <div class="src">GET /demo/repoll &middot; one event, then the response ends; the browser reconnects after <code>retry</code> with <code>Last-Event-ID</code></div>
  <button id="repoll-start" onclick="startRepoll()">Start</button><button id="repoll-stop" onclick="stopSource('repoll')">Stop</button>
  <div class="log" id="repoll-log"></div>
</section>

<section id="hub" class="wide">
  <h2>6. The hub: publish and subscribe by topic <span class="state" id="hub-state">CLOSED</span></h2>
  <div class="src">GET and POST /.well-known/mercure &middot; the Mercure protocol: topics may be URI templates such as <code>https://example.com/books/{id}</code></div>
  <div class="columns">
    <form id="hub-subscribe-form" onsubmit="hubSubscribe(); return false;">
      <label>Topics, one per line<br><textarea id="hub-topics" rows="2">https://example.com/demo</textarea></label>
      <label>Resume after id (<code>earliest</code> for all history) <input id="hub-last-event-id" placeholder="none"></label>
      <label>Subscriber token (for private updates) <input id="hub-subscriber-token" placeholder="none: public updates only"></label>
      <button id="hub-subscribe" type="submit">Subscribe</button><button type="button" onclick="stopSource('hub')">Unsubscribe</button>
    </form>
    <form id="hub-publish-form" onsubmit="hubPublish(); return false;">
      <label>Topic <input id="hub-publish-topic" value="https://example.com/demo"></label>
      <label>Data <textarea id="hub-publish-data" rows="2">Hello from the demo page</textarea></label>
      <label>Type <input id="hub-publish-type" placeholder="message"></label>
      <label><input type="checkbox" id="hub-publish-private"> private</label>
      <label>Publisher token <input id="hub-publisher-token" placeholder="the token herald printed at start-up"></label>
      <button id="hub-publish" type="submit">Publish</button><button id="hub-publish-seed" type="button" onclick="hubPublishSeed()">Publish the seed's wire example</button>
      <div id="hub-publish-result" class="src"></div>
    </form>
  </div>
  <table><thead><tr><th>#</th><th>type</th><th>lastEventId</th><th>data</th></tr></thead><tbody id="hub-events"></tbody></table>
</section>

</div>
<script>
var sources = {};
var counts = { time: 0, notification: 0, status: 0 };
var STATES = ['CONNECTING', 'OPEN', 'CLOSED'];

function $(id) { return document.getElementById(id); }
function stamp() { return new Date().toLocaleTimeString(); }
function line(logId, text, color) {
  var log = $(logId), p = document.createElement('p');
  if (color) p.style.color = color;
  p.textContent = stamp() + ' - ' + text;
  log.appendChild(p);
  log.scrollTop = log.scrollHeight;
}
function showState(name) {
  var es = sources[name], state = es ? STATES[es.readyState] : 'CLOSED', el = $(name + '-state');
  el.textContent = state; el.className = 'state ' + state;
}
function open(name, url) {
  if (sources[name]) sources[name].close();
  var es = new EventSource(url);
  sources[name] = es;
  es.addEventListener('open', function () { showState(name); });
  es.addEventListener('error', function () { showState(name); });
  showState(name);
  return es;
}
function stopSource(name, message) {
  if (sources[name]) sources[name].close();
  showState(name);
  if (message && name === 'time') $('time-display').textContent = message;
}
setInterval(function () { Object.keys(sources).forEach(showState); }, 250);

function startTime() {
  var es = open('time', '/demo/time');
  es.onopen = function () { $('time-display').textContent = 'Connected to server'; line('time-log', 'onopen', '#28a745'); };
  es.onerror = function () { $('time-display').textContent = 'Connection error occurred'; line('time-log', 'onerror (readyState ' + STATES[es.readyState] + ')', '#dc3545'); };
  es.addEventListener('server-time', function (e) { $('time-display').textContent = e.data; });
}

function startMulti() {
  var es = open('multi', '/demo/multi');
  $('multi-log').textContent = '';
  [['time', 'Time: ', '#007bff'], ['notification', 'Alert: ', '#dc3545'], ['status', 'Status: ', '#28a745']].forEach(function (t) {
    es.addEventListener(t[0], function (e) {
      counts[t[0]] += 1; $('multi-count-' + t[0]).textContent = counts[t[0]];
      line('multi-log', t[1] + e.data, t[2]);
    });
  });
}

function startJSON() {
  var es = open('json', '/demo/json');
  es.addEventListener('message', function (e) {
    var pullData = JSON.parse(e.data), li = document.createElement('li');
    li.textContent = pullData.name + ', ' + pullData.date + ' (id ' + e.lastEventId + ')';
    $('json-list').appendChild(li);
    $('json-list').scrollTop = $('json-list').scrollHeight;
  });
}

function startWire() {
  var es = open('wire', '/demo/wire'), n = 0;
  $('wire-events').textContent = '';
  function record(e) {
    var tr = document.createElement('tr');
    [++n, e.type, e.lastEventId, e.data].forEach(function (v) { var td = document.createElement('td'); td.textContent = v; tr.appendChild(td); });
    $('wire-events').appendChild(tr);
  }
  ['message', 'foo', 'bar'].forEach(function (type) { es.addEventListener(type, record); });
}

function startRepoll() {
  var es = open('repoll', '/demo/repoll'), polls = 0;
  $('repoll-log').textContent = '';
  es.addEventListener('message', function (e) {
    var d = JSON.parse(e.data); polls += 1;
    line('repoll-log', 'poll ' + polls + ': sent Last-Event-ID ' + (d.resumedFrom === '' ? '(none)' : d.resumedFrom) + ', got id ' + e.lastEventId, '#007bff');
  });
  es.addEventListener('error', function () {
    if (es.readyState === EventSource.CONNECTING) line('repoll-log', 'response ended; reconnecting after retry', '#777');
  });
}

window.addEventListener('load', function () {
  if (typeof EventSource === 'undefined') { alert("Browser doesn't support EventSource"); return; }
  startTime(); startMulti(); startJSON(); startWire(); startRepoll();
});
var hubEventCount = 0, hubReconnects = 0;
var HUB = '/.well-known/mercure';

function hubSubscribe() {
  var url = new URL(HUB, location.href);
  $('hub-topics').value.split('\n').map(function (t) { return t.trim(); }).filter(Boolean)
    .forEach(function (t) { url.searchParams.append('topic', t); });
  if ($('hub-last-event-id').value.trim()) url.searchParams.append('lastEventID', $('hub-last-event-id').value.trim());
  if ($('hub-subscriber-token').value.trim()) url.searchParams.append('authorization', $('hub-subscriber-token').value.trim());
  var es = open('hub', url.toString());
  es.onmessage = hubRecord;
  // A stream the hub ends (write timeout, restart) makes the browser reconnect, sending Last-Event-ID.
  es.addEventListener('error', function () { if (es.readyState === EventSource.CONNECTING) hubReconnects += 1; });
  ['foo', 'bar', 'note'].forEach(function (type) { es.addEventListener(type, hubRecord); });
}

function hubRecord(e) {
  var tr = document.createElement('tr');
  [++hubEventCount, e.type, e.lastEventId, e.data].forEach(function (v) { var td = document.createElement('td'); td.textContent = v; tr.appendChild(td); });
  $('hub-events').appendChild(tr);
}

function hubPost(fields) {
  var body = new URLSearchParams();
  fields.forEach(function (f) { body.append(f[0], f[1]); });
  return fetch(HUB, { method: 'POST', headers: { 'Authorization': 'Bearer ' + $('hub-publisher-token').value.trim() }, body: body })
    .then(function (response) { return response.text().then(function (text) { return { ok: response.ok, status: response.status, text: text.trim() }; }); });
}

function hubPublish() {
  var fields = [['topic', $('hub-publish-topic').value], ['data', $('hub-publish-data').value]];
  if ($('hub-publish-type').value.trim()) fields.push(['type', $('hub-publish-type').value.trim()]);
  if ($('hub-publish-private').checked) fields.push(['private', 'on']);
  hubPost(fields).then(function (r) {
    $('hub-publish-result').textContent = r.ok ? 'published: ' + r.text : 'refused (' + r.status + '): ' + r.text;
  });
}

// The seed's wire example, published through the hub as five updates: the hub adds ids of its own
// where the seed has none, and every subscriber of the topic receives them.
function hubPublishSeed() {
  var topic = $('hub-publish-topic').value, updates = [
    [['data', 'First message is a simple string.']],
    [['data', '{"message": "JSON payload"}']],
    [['type', 'foo'], ['data', 'Message of type "foo"']],
    [['type', 'bar'], ['id', '42'], ['data', 'Multi-line message of\ntype "bar" and id "42"']],
    [['id', '43'], ['data', 'Last message, id "43"']]
  ];
  updates.reduce(function (chain, fields) {
    return chain.then(function () { return hubPost([['topic', topic]].concat(fields)); });
  }, Promise.resolve()).then(function (r) {
    $('hub-publish-result').textContent = r.ok ? 'published the seed example (last id ' + r.text + ')' : 'refused (' + r.status + '): ' + r.text;
  });
}

window.addEventListener('load', function () {
  fetch('/demo/hub.json').then(function (r) { return r.ok ? r.json() : {}; }).then(function (config) {
    if (config.publisherToken) $('hub-publisher-token').value = config.publisherToken;
    hubSubscribe();
  });
});
</script>
</body>
</html>
"""#
}
