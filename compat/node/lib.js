// Shared helpers for the node-zendesk compatibility run: the clients, the
// step runner, job polling and error capture.
'use strict';
const assert = require('node:assert/strict');
const zendesk = require('node-zendesk');

const base = process.env.FRONTDESK_URL;
const options = {
  username: process.env.FRONTDESK_EMAIL,
  token: process.env.FRONTDESK_TOKEN,
  endpointUri: base + '/api/v2',
};

// client is node-zendesk as integrators use it; strict rethrows Zendesk's
// error unchanged (statusCode, body), so steps can assert the status.
const client = zendesk.createClient(options);
const strict = zendesk.createClient({ ...options, throwOriginalException: true });

let passed = 0;

// step runs fn, prints "ok name", and stops the run naming the step on failure.
async function step(name, fn) {
  try {
    const out = await fn();
    passed++;
    console.log('ok   ' + name);
    return out;
  } catch (err) {
    console.error('FAIL ' + name + ': ' + (err && err.stack ? err.stack : err));
    if (err && err.result) console.error('     body: ' + JSON.stringify(err.result).slice(0, 2000));
    process.exit(1);
  }
}

function passedSteps() { return passed; }

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// waitJob polls job_statuses/{id} until the job completes (or fails the step).
async function waitJob(id) {
  for (let i = 0; i < 200; i++) {
    const { result } = await client.jobstatuses.show(id);
    const st = result.job_status;
    assert.ok(st, 'job_statuses/{id} has no job_status envelope: ' + JSON.stringify(result));
    if (st.status === 'completed') return st;
    assert.notEqual(st.status, 'failed', JSON.stringify(st));
    await sleep(50);
  }
  throw new Error('job ' + id + ' did not complete');
}

// jobOf returns the job status a bulk call answered with.
function jobOf({ result }) {
  assert.ok(result.job_status, 'expected a job_status envelope: ' + JSON.stringify(result));
  assert.ok(['queued', 'working', 'completed'].includes(result.job_status.status), result.job_status.status);
  return result.job_status;
}

// statusOf runs fn with the strict client and returns the HTTP status it
// failed with; it fails when fn succeeds.
async function statusOf(fn) {
  try {
    await fn(strict);
  } catch (err) {
    assert.ok(err.statusCode, 'no status on error: ' + err);
    return err.statusCode;
  }
  throw new Error('expected the call to fail');
}

// failureOf runs fn with the strict client and returns the status and the
// error body it failed with; it fails when fn succeeds.
async function failureOf(fn) {
  try {
    await fn(strict);
  } catch (err) {
    assert.ok(err.statusCode, 'no status on error: ' + err);
    return { status: err.statusCode, body: err.result };
  }
  throw new Error('expected the call to fail');
}

// unique makes names and addresses distinct between runs on one database.
const run = Date.now().toString(36);
function unique(s) { return s + '-' + run; }

// ids lists the ids of records.
function ids(records) { return records.map((r) => r.id); }

module.exports = { assert, client, strict, step, passedSteps, sleep, waitJob, jobOf, statusOf, failureOf, unique, ids, base };
