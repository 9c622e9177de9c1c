// Drives the unmodified zendesk-client 0.0.10 library against a running
// Frontdesk, authenticated with an OAuth access token (Bearer) that the Go
// test obtained through the authorization-code flow.
// Usage: FRONTDESK_URL=… FRONTDESK_OAUTH_TOKEN=… FRONTDESK_EMAIL=… FRONTDESK_CLIENT_ID=… \
//        FRONTDESK_ORG_ID=… FRONTDESK_GROUP_ID=… node run.js
// Exits non-zero, naming the call, when anything differs from Zendesk's behaviour.
// Not exercised: tickets.listRecent (GET /tickets/recent, not served yet).
'use strict';
const assert = require('node:assert/strict');
// The package's "main" is untranspiled ES module syntax; its UMD build is
// the one Node can load.
const createClient = require('zendesk-client/umd/zendesk-client.js');

const env = process.env;
const client = createClient({ url: env.FRONTDESK_URL, token: env.FRONTDESK_OAUTH_TOKEN });
const orgID = Number(env.FRONTDESK_ORG_ID);
const groupID = Number(env.FRONTDESK_GROUP_ID);

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

// zendesk-client parses every answer as JSON. A DELETE answers 204 with no
// body (in Zendesk too), so the library's promise never settles and its
// fetch reports the empty body as an unhandled rejection: deletes are sent,
// that one rejection is tolerated, and the result is checked by reading back.
process.on('unhandledRejection', (err) => {
  if (/invalid json response body/.test(String(err && err.message))) return;
  console.error('FAIL unhandled rejection: ' + (err && err.stack ? err.stack : err));
  process.exit(1);
});

// gone polls read() until it fails with Zendesk's "Not found".
async function gone(read) {
  for (let i = 0; i < 100; i++) {
    try {
      await read();
    } catch (err) {
      assert.match(String(err), /Not found/);
      return;
    }
    await sleep(100);
  }
  throw new Error('still there');
}

const ids = (list) => list.map((x) => x.id).sort((a, b) => a - b);

(async () => {
  const me = await step('users.me', async () => {
    const res = await client.users.me();
    assert.equal(res.user.email, env.FRONTDESK_EMAIL);
    assert.equal(res.user.role, 'admin');
    return res.user;
  });

  const current = await step('oauthtokens.current', async () => {
    const res = await client.oauthtokens.current();
    assert.equal(res.token.user_id, me.id);
    assert.deepEqual(res.token.scopes, ['read', 'write']);
    assert.equal(res.token.full_token, undefined);
    return res.token;
  });

  const customer = await step('users.createOrUpdate', async () => {
    const res = await client.users.createOrUpdate({
      user: { name: 'Zofia Nowak', email: 'zofia.nowak@example.com', organization_id: orgID },
    });
    assert.equal(res.user.email, 'zofia.nowak@example.com');
    assert.equal(res.user.role, 'end-user');
    const again = await client.users.createOrUpdate({ user: { name: 'Zofia Nowak-Kowalska', email: 'zofia.nowak@example.com' } });
    assert.equal(again.user.id, res.user.id);
    assert.equal(again.user.name, 'Zofia Nowak-Kowalska');
    return again.user;
  });

  await step('users.show', async () => {
    const res = await client.users.show(customer.id);
    assert.equal(res.user.id, customer.id);
  });
  await step('users.showMany', async () => {
    const res = await client.users.showMany([me.id, customer.id]);
    assert.deepEqual(ids(res.users), [me.id, customer.id].sort((a, b) => a - b));
  });
  await step('users.list', async () => {
    const res = await client.users.list();
    assert.ok(res.users.some((u) => u.id === customer.id));
    assert.equal(typeof res.count, 'number');
  });
  await step('users.listByOrganization', async () => {
    const res = await client.users.listByOrganization(orgID);
    assert.deepEqual(ids(res.users), [customer.id]);
  });
  await step('users.listByGroup', async () => {
    const res = await client.users.listByGroup(groupID);
    assert.deepEqual(ids(res.users), [me.id]);
  });

  const upload = await step('attachments.upload', async () => {
    const file = Buffer.from('zalacznik: lista kontrolna');
    file.name = 'lista.txt';
    const res = await client.attachments.upload([file]);
    assert.ok(res.upload.token);
    assert.equal(res.upload.attachment.file_name, 'lista.txt');
    return res.upload;
  });

  const ticket = await step('tickets.create', async () => {
    const res = await client.tickets.create({
      ticket: {
        subject: 'Faktura nie dotarła',
        comment: { body: 'Nie dostałam faktury za listopad.', uploads: [upload.token] },
        requester_id: customer.id,
        assignee_id: me.id,
        priority: 'normal',
        tags: ['billing'],
      },
    });
    assert.ok(res.ticket.id > 0);
    assert.equal(res.ticket.requester_id, customer.id);
    assert.deepEqual(res.ticket.tags, ['billing']);
    return res.ticket;
  });

  await step('tickets.show', async () => {
    const res = await client.tickets.show(ticket.id);
    assert.equal(res.ticket.subject, 'Faktura nie dotarła');
  });
  await step('tickets.update', async () => {
    const res = await client.tickets.update(ticket.id, { ticket: { status: 'pending', comment: { body: 'Wysłaliśmy ją ponownie.', public: true } } });
    assert.equal(res.ticket.status, 'pending');
  });
  await step('tickets.getComments', async () => {
    const res = await client.tickets.getComments(ticket.id);
    assert.equal(res.comments.length, 2);
    assert.equal(res.comments[0].attachments[0].file_name, 'lista.txt');
    assert.equal(res.comments[1].body, 'Wysłaliśmy ją ponownie.');
  });
  await step('tickets.list', async () => {
    const res = await client.tickets.list();
    assert.ok(res.tickets.some((t) => t.id === ticket.id));
  });
  await step('tickets.listByOrganization', async () => {
    const res = await client.tickets.listByOrganization(orgID);
    assert.deepEqual(ids(res.tickets), [ticket.id]);
  });
  await step('tickets.listByUserRequested', async () => {
    const res = await client.tickets.listByUserRequested(customer.id);
    assert.deepEqual(ids(res.tickets), [ticket.id]);
  });
  await step('tickets.listByAssigned', async () => {
    const res = await client.tickets.listByAssigned(me.id);
    assert.ok(res.tickets.some((t) => t.id === ticket.id));
  });
  await step('tickets.listByUserCCD', async () => {
    const res = await client.tickets.listByUserCCD(customer.id);
    assert.deepEqual(res.tickets, []);
  });

  const many = await step('tickets.createMany', async () => {
    const res = await client.tickets.createMany({
      tickets: [
        { subject: 'Zbiorcze 1', comment: { body: 'Pierwsze' }, requester_id: customer.id },
        { subject: 'Zbiorcze 2', comment: { body: 'Drugie' }, requester_id: customer.id },
      ],
    });
    assert.ok(res.job_status && res.job_status.id);
    for (let i = 0; i < 100; i++) {
      const found = await client.search.query('type:ticket subject:Zbiorcze');
      if (found.results.length === 2) return ids(found.results);
      await sleep(100);
    }
    throw new Error('create_many never created both tickets');
  });
  await step('tickets.showMany', async () => {
    const res = await client.tickets.showMany(many);
    assert.deepEqual(ids(res.tickets), many);
  });
  await step('tickets.updateMany', async () => {
    const res = await client.tickets.updateMany(many, { ticket: { priority: 'low' } });
    assert.ok(res.job_status && res.job_status.id);
    for (let i = 0; i < 100; i++) {
      const got = await client.tickets.showMany(many);
      if (got.tickets.every((t) => t.priority === 'low')) return;
      await sleep(100);
    }
    throw new Error('update_many never applied');
  });
  await step('search.query', async () => {
    const res = await client.search.query('faktury');
    assert.ok(res.results.some((r) => r.id === ticket.id && r.result_type === 'ticket'));
  });
  await step('tickets.deleteMany', async () => {
    const res = await client.tickets.deleteMany(many);
    assert.ok(res.job_status && res.job_status.id);
    for (let i = 0; i < 100; i++) {
      const found = await client.search.query('type:ticket subject:Zbiorcze');
      if (found.results.length === 0) return;
      await sleep(100);
    }
    throw new Error('destroy_many never deleted');
  });
  await step('tickets.delete', async () => {
    client.tickets.delete(ticket.id);
    await gone(() => client.tickets.show(ticket.id));
  });

  const created = await step('oauthtokens.create', async () => {
    const res = await client.oauthtokens.create({ token: { client_id: Number(env.FRONTDESK_CLIENT_ID), scopes: ['read'] } });
    assert.ok(res.token.full_token.startsWith('fdo_'));
    assert.deepEqual(res.token.scopes, ['read']);
    return res.token;
  });
  await step('oauthtokens.show', async () => {
    const res = await client.oauthtokens.show(created.id);
    assert.equal(res.token.id, created.id);
    assert.equal(res.token.full_token, undefined);
  });
  await step('oauthtokens.list', async () => {
    const res = await client.oauthtokens.list();
    assert.deepEqual(ids(res.tokens), [current.id, created.id].sort((a, b) => a - b));
  });
  await step('oauthtokens.delete', async () => {
    client.oauthtokens.delete(created.id);
    await gone(() => client.oauthtokens.show(created.id));
    // The revoked token no longer authenticates.
    const other = createClient({ url: env.FRONTDESK_URL, token: created.full_token });
    await assert.rejects(other.users.me());
  });
  console.log('all zendesk-client calls passed');
})();
