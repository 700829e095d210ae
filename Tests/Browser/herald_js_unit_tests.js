// Unit tests of herald.js's parser, cursor and backoff, run in Chromium by client_test.py: it loads
// this file as a module on a page of the hub, which imports /herald.js as any page would. Each test
// returns nothing or throws; the results are collected in window.heraldUnitResults.
import { EventStreamParser, Cursor, backoff } from '/herald.js';

// The seed's wire example, byte for byte (Sources/HeraldHub/Demo/SeedWireExample.swift).
const SEED = 'retry: 15000\n\ndata: First message is a simple string.\n\ndata: {"message": "JSON payload"}\n\n'
  + 'event: foo\ndata: Message of type "foo"\n\nid: 42\nevent: bar\ndata: Multi-line message of\ndata: type "bar" and id "42"\n\n'
  + 'id: 43\ndata: Last message, id "43"\n\n\n';
const SEED_EVENTS = [
  ['message', 'First message is a simple string.', ''],
  ['message', '{"message": "JSON payload"}', ''],
  ['foo', 'Message of type "foo"', ''],
  ['bar', 'Multi-line message of\ntype "bar" and id "42"', '42'],
  ['message', 'Last message, id "43"', '43'],
];

function parse(pieces) {
  const events = [], retries = [], comments = [];
  const parser = new EventStreamParser((e) => events.push([e.type, e.data, e.lastEventId]), {
    onRetry: (ms) => retries.push(ms), onComment: (text) => comments.push(text),
  });
  for (const piece of pieces) parser.push(piece);
  parser.end();
  return { events, retries, comments };
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

const tests = {
  seedWireExampleFiresItsFiveEvents() {
    const { events, retries } = parse([SEED]);
    equal(events, SEED_EVENTS, 'events');
    equal(retries, [15000], 'retry');
  },
  seedWireExampleSplitAnywhereGivesTheSameEvents() {
    for (let i = 0; i <= SEED.length; i++) equal(parse([SEED.slice(0, i), SEED.slice(i)]).events, SEED_EVENTS, `split at ${i}`);
  },
  everyLineEndingAndCRLFSplitAcrossPieces() {
    for (const eol of ['\n', '\r', '\r\n']) {
      const text = ['id: 1', 'data: a', 'data: b', '', 'data: c', '', ''].join(eol);
      for (let i = 0; i <= text.length; i++) {
        equal(parse([text.slice(0, i), text.slice(i)]).events, [['message', 'a\nb', '1'], ['message', 'c', '1']], `${JSON.stringify(eol)} split at ${i}`);
      }
    }
  },
  aByteOrderMarkAtTheStartIsIgnored() {
    equal(parse(['\uFEFFdata: x\n\n']).events, [['message', 'x', '']], 'events');
  },
  commentsAreReportedAndDispatchNothing() {
    const { events, comments } = parse([':heartbeat\n: hi\n\n']);
    equal(events, [], 'events');
    equal(comments, ['heartbeat', ' hi'], 'comments');
  },
  fieldsWithoutAColonAndTheSpaceAfterIt() {
    equal(parse(['data\n\ndata:no space\n\n']).events, [['message', '', ''], ['message', 'no space', '']], 'events');
  },
  anIdWithNULIsIgnoredAndAnEmptyIdResets() {
    equal(parse(['id: 7\ndata: a\n\nid: 8\0x\ndata: b\n\nid\ndata: c\n\n']).events,
      [['message', 'a', '7'], ['message', 'b', '7'], ['message', 'c', '']], 'events');
  },
  retryTakesDigitsOnly() {
    equal(parse(['retry: 12a\nretry: 250\n\n']).retries, [250], 'retries');
  },
  anUnfinishedEventAtTheEndIsDropped() {
    equal(parse(['data: complete\n\ndata: never finished']).events, [['message', 'complete', '']], 'events');
  },
  theCursorDropsRepeatedIdsOnly() {
    const cursor = new Cursor('');
    const event = (id, hasId = true) => ({ type: 'message', data: id, lastEventId: id, hasId });
    equal([cursor.accept(event('1')), cursor.accept(event('2')), cursor.accept(event('1')), cursor.accept(event('2', false))],
      [true, true, false, true], 'accepted');
    equal(cursor.lastEventId, '2', 'lastEventId');
  },
  theCursorForgetsTheOldestPastItsLimit() {
    const cursor = new Cursor('', 3);
    for (const id of ['a', 'b', 'c', 'd']) cursor.accept({ lastEventId: id, hasId: true });
    equal(cursor.accept({ lastEventId: 'a', hasId: true }), true, 'the oldest id, forgotten');
    equal(cursor.accept({ lastEventId: 'd', hasId: true }), false, 'a recent id');
  },
  backoffDoublesFromRetryWithJitterAndACap() {
    equal([0, 1, 2, 3].map((failures) => backoff(1000, failures, 30000, () => 1)), [1000, 2000, 4000, 8000], 'without jitter');
    equal(backoff(1000, 2, 30000, () => 0), 2000, 'jitter takes up to half');
    equal(backoff(1000, 10, 30000, () => 1), 30000, 'capped');
  },
};

const results = {};
for (const [name, test] of Object.entries(tests)) {
  try { test(); results[name] = 'ok'; } catch (error) { results[name] = String(error.message || error); }
}
window.heraldUnitResults = results;
