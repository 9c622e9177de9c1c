// OAuth clients and tokens by API, and node-zendesk in OAuth mode (Bearer).
'use strict';
const zendesk = require('node-zendesk');
const { assert, client, step, statusOf, unique, ids, base } = require('../lib');

// clientOf reads {client: …}: node-zendesk's oauthclients unwraps only
// "clients" (lists), so a single client comes back in its envelope.
function clientOf({ result }) {
  assert.ok(result && result.client, JSON.stringify(result));
  return result.client;
}

// tokenOf reads a token answer, which node-zendesk unwraps ("token").
function tokenOf({ result }) {
  assert.ok(result && result.id > 0, JSON.stringify(result));
  return result;
}

module.exports = async function oauth(ctx) {
  const app = await step('oauthclients.create / show / update / list / generateSecret', async () => {
    const made = await client.oauthclients.create({ name: 'Integracja CRM', identifier: unique('crm'), redirect_uri: ['https://crm.example.com/cb'], kind: 'confidential' });
    assert.equal(made.response.status, 201);
    const c = clientOf(made);
    assert.ok(c.id > 0 && c.secret, 'no secret in the create answer: ' + JSON.stringify(c));
    assert.equal(c.user_id, ctx.me.id);
    await client.oauthclients.update(c.id, { description: 'Synchronizacja kontaktów' });
    const shown = clientOf(await client.oauthclients.show(c.id));
    assert.equal(shown.description, 'Synchronizacja kontaktów');
    assert.equal(shown.secret, undefined, 'the secret is shown again');
    assert.ok(ids(await client.oauthclients.list()).includes(c.id));
    const fresh = clientOf(await client.oauthclients.generateSecret(c.id));
    assert.ok(fresh.secret && fresh.secret !== c.secret);
    assert.equal(await statusOf((s) => s.oauthclients.create({ name: 'Bez identyfikatora' })), 422);
    return c;
  });

  await step('oauthtokens.create / node-zendesk with oauth:true / current / show / list / revoke', async () => {
    const made = await client.oauthtokens.create({ token: { client_id: app.id, scopes: ['read'] } });
    assert.equal(made.response.status, 201);
    const tok = tokenOf(made);
    assert.ok(tok.full_token, JSON.stringify(tok));
    assert.deepEqual(tok.scopes, ['read']);
    const bearer = zendesk.createClient({ token: tok.full_token, oauth: true, endpointUri: base + '/api/v2' });
    const strictBearer = zendesk.createClient({ token: tok.full_token, oauth: true, endpointUri: base + '/api/v2', throwOriginalException: true });
    assert.equal((await bearer.users.me()).result.id, ctx.me.id);
    // A read token reads and cannot write.
    assert.equal((await bearer.tickets.show(ctx.orgTicket.id)).result.id, ctx.orgTicket.id);
    let status = 0;
    try { await strictBearer.tickets.update(ctx.orgTicket.id, { ticket: { priority: 'low' } }); } catch (err) { status = err.statusCode; }
    assert.equal(status, 403);
    const current = tokenOf(await bearer.oauthtokens.current());
    assert.equal(current.id, tok.id);
    assert.equal(current.full_token, undefined, 'the token is shown again');
    assert.equal(tokenOf(await client.oauthtokens.show(tok.id)).client_id, app.id);
    // "tokens" is not among the names node-zendesk unwraps: whole pages.
    const listed = (await client.oauthtokens.list()).flatMap((p) => p.tokens);
    assert.ok(ids(listed).includes(tok.id), JSON.stringify(listed));
    await client.oauthtokens.revoke(tok.id);
    status = 0;
    try { await strictBearer.users.me(); } catch (err) { status = err.statusCode; }
    assert.equal(status, 401, 'a revoked token still works');
  });

  await step('oauthclients.delete', async () => {
    await client.oauthclients.delete(app.id);
    assert.equal(await statusOf((s) => s.oauthclients.show(app.id)), 404);
  });
};
