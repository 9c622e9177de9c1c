// Drives an unmodified node-zendesk client against a running Frontdesk.
// Usage: FRONTDESK_URL=http://127.0.0.1:8080 FRONTDESK_EMAIL=… FRONTDESK_TOKEN=… node run.js
// Exits non-zero, naming the step, when anything differs from Zendesk's behaviour.
'use strict';
const assert = require('node:assert/strict');
const zendesk = require('node-zendesk');

const base = process.env.FRONTDESK_URL;
const client = zendesk.createClient({
  username: process.env.FRONTDESK_EMAIL,
  token: process.env.FRONTDESK_TOKEN,
  endpointUri: base + '/api/v2',
});

async function step(name, fn) {
  try {
    const out = await fn();
    console.log('ok   ' + name);
    return out;
  } catch (err) {
    console.error('FAIL ' + name + ': ' + (err && err.stack ? err.stack : err));
    process.exit(1);
  }
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function waitJob(id) {
  for (let i = 0; i < 100; i++) {
    const { result } = await client.jobstatuses.show(id);
    const st = result.job_status || result;
    if (st.status === 'completed') return st;
    await sleep(100);
  }
  throw new Error('job ' + id + ' did not complete');
}

(async () => {
  const me = await step('users.me', async () => {
    const { result } = await client.users.me();
    assert.equal(result.email, process.env.FRONTDESK_EMAIL);
    assert.equal(result.role, 'admin');
    return result;
  });

  const created = await step('tickets.create', async () => {
    const { result } = await client.tickets.create({
      ticket: {
        subject: 'Drukarka nie drukuje',
        comment: { body: 'Zgłoszenie: drukarka w biurze nie drukuje od rana.' },
        requester: { name: 'Jan Kowalski', email: 'jan.kowalski@example.com' },
        priority: 'high',
        tags: ['printer', 'office'],
      },
    });
    assert.ok(result.id > 0);
    assert.equal(result.status, 'new');
    assert.equal(result.priority, 'high');
    assert.deepEqual(result.tags, ['printer', 'office']);
    return result;
  });

  await step('tickets.show', async () => {
    const { result } = await client.tickets.show(created.id);
    assert.equal(result.id, created.id);
    assert.equal(result.subject, 'Drukarka nie drukuje');
    assert.equal(result.description, 'Zgłoszenie: drukarka w biurze nie drukuje od rana.');
  });

  await step('tickets.update', async () => {
    const { result } = await client.tickets.update(created.id, {
      ticket: { comment: { body: 'Sprawdzamy.', public: true }, status: 'pending', assignee_id: me.id },
    });
    assert.equal(result.status, 'pending');
    assert.equal(result.assignee_id, me.id);
  });

  await step('tickets.getComments', async () => {
    const comments = await client.tickets.getComments(created.id);
    assert.equal(comments.length, 2);
    assert.equal(comments[1].body, 'Sprawdzamy.');
  });

  const bulkIDs = await step('tickets.createMany (2 jobs, 150 tickets)', async () => {
    const ids = [];
    for (const size of [100, 50]) {
      const tickets = Array.from({ length: size }, (_, i) => ({
        subject: 'Bulk ' + (ids.length + i),
        comment: { body: 'bulk body' },
        requester: { name: 'Bulk Requester', email: 'bulk@example.com' },
      }));
      const { result } = await client.tickets.createMany({ tickets });
      const job = await waitJob((result.job_status || result).id);
      assert.equal(job.results.length, size);
      for (const r of job.results) { assert.ok(r.id > 0, JSON.stringify(r)); ids.push(r.id); }
    }
    return ids;
  });

  await step('tickets.list (all pages)', async () => {
    const all = await client.tickets.list();
    const ids = new Set(all.map((t) => t.id));
    assert.equal(ids.size, all.length, 'a page repeated tickets');
    assert.ok(ids.has(created.id));
    for (const id of bulkIDs) assert.ok(ids.has(id), 'missing ' + id);
    assert.equal(all.length, 151);
  });

  await step('search.query', async () => {
    const { result } = await client.search.query('type:ticket drukarka');
    const ids = result.map((r) => r.id);
    assert.ok(ids.includes(created.id), 'folded search did not find the ticket: ' + JSON.stringify(ids));
    assert.equal(result[0].result_type, 'ticket');
  });

  await step('search.queryAll (all pages)', async () => {
    const all = await client.search.queryAll('type:ticket subject:bulk');
    assert.equal(all.length, 150);
  });

  // The Requests API: the admin acts as a requester of their own request.
  const request = await step('requests.create', async () => {
    const { result } = await client.requests.create({
      request: { subject: 'Laptop nie startuje', comment: { body: 'Po aktualizacji laptop nie startuje.' } },
    });
    assert.ok(result.id > 0);
    assert.equal(result.requester_id, me.id);
    assert.equal(result.status, 'new');
    assert.equal(result.solved, false);
    return result;
  });

  await step('requests.list / show / update', async () => {
    const all = await client.requests.list();
    assert.deepEqual(all.map((r) => r.id), [request.id]);
    const { result } = await client.requests.update(request.id, { request: { comment: { body: 'Nadal nie działa.' } } });
    assert.equal(result.id, request.id);
    const shown = await client.requests.show(request.id);
    assert.equal(shown.result.subject, 'Laptop nie startuje');
  });

  await step('requests.listComments / listSolved / listCCD / search', async () => {
    // node-zendesk 6.0.1's requests client unwraps only "requests"/"request",
    // so each page comes back whole (as it does from Zendesk): {comments: […]}.
    const pages = await client.requests.listComments(request.id);
    const comments = pages.flatMap((p) => p.comments);
    assert.deepEqual(comments.map((c) => c.body), ['Po aktualizacji laptop nie startuje.', 'Nadal nie działa.']);
    assert.deepEqual(await client.requests.listSolved(), []);
    assert.deepEqual(await client.requests.listCCD(), []);
    const { result } = await client.requests.search({ query: 'laptop' });
    assert.deepEqual(result.map((r) => r.id), [request.id]);
  });

  await step('tickets.delete', async () => {
    await client.tickets.delete(created.id);
    let status = 0;
    try { await client.tickets.show(created.id); } catch (err) { status = err.statusCode || (err.result && err.result.statusCode) || 404; }
    assert.equal(status, 404);
  });

  console.log('node-zendesk compatibility: all steps passed');
})();
