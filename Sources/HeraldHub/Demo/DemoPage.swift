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
</script>
</body>
</html>
"""#
}
