// Identities, user tags, autocomplete, related, search syntax, deleted
// users and the user keys integrations read.
'use strict';
const { assert, client, step, statusOf, failureOf, unique, ids } = require('../lib');

// tagsOf reads {tags: […]} as node-zendesk's users client returns it (a
// record name it does not unwrap): a page list from getAll, else the body.
function tagsOf(out) {
  const body = Array.isArray(out) ? out[0] : out.result;
  assert.ok(body && Array.isArray(body.tags), JSON.stringify(out));
  return body.tags;
}

module.exports = async function users(ctx) {
  const mail = (name) => unique(name) + '@users.example.com';

  const person = await step('users.create (end-user with tags; Zendesk user keys)', async () => {
    const { result } = await client.users.create({ user: { name: 'Zofia Tagowa', email: mail('zofia'), tags: ['newsletter'] } });
    for (const k of ['locale_id', 'photo', 'shared', 'signature', 'two_factor_auth_enabled', 'iana_time_zone', 'user_fields']) {
      assert.ok(k in result, 'user has no ' + k);
    }
    assert.equal(result.two_factor_auth_enabled, false);
    assert.deepEqual(result.tags, ['newsletter']);
    return result;
  });

  await step('users.listTags / setTags (POST sets) / addTags (PUT adds) / removeTags (DELETE removes)', async () => {
    assert.deepEqual(tagsOf(await client.users.listTags(person.id)), ['newsletter']);
    assert.deepEqual(tagsOf(await client.users.setTags(person.id, { tags: ['vip', 'b2b'] })).sort(), ['b2b', 'vip']);
    assert.deepEqual(tagsOf(await client.users.addTags(person.id, { tags: ['polska'] })).sort(), ['b2b', 'polska', 'vip']);
    // node-zendesk 6.0.1's removeTags drops its body (its generic delete
    // takes a path only): the request names no tags, is refused and
    // changes nothing. The body goes through the client's request method.
    assert.equal(await statusOf((c) => c.users.removeTags(person.id, { tags: ['b2b'] })), 400);
    assert.deepEqual(tagsOf(await client.users.request('DELETE', ['users', person.id, 'tags'], { tags: ['b2b'] })).sort(), ['polska', 'vip']);
    assert.deepEqual([...(await client.users.show(person.id)).result.tags].sort(), ['polska', 'vip'], 'the tags did not persist');
    assert.equal(await statusOf((c) => c.users.setTags(person.id, {})), 422);
    assert.equal(await statusOf((c) => c.users.listTags(999999999)), 404);
  });

  await step('users.search syntax (email:, role:, tags:, name:)', async () => {
    assert.deepEqual(ids(await client.users.search({ query: 'email:' + mail('zofia') })), [person.id]);
    assert.deepEqual(ids(await client.users.search({ query: 'tags:vip role:end-user' })), [person.id]);
    assert.deepEqual(ids(await client.users.search({ query: 'tags:vip role:agent' })), []);
    assert.deepEqual(ids(await client.users.search({ query: 'name:"Zofia Tagowa"' })), [person.id]);
  });

  await step('users autocomplete / related (generic requests: not wrapped)', async () => {
    const found = (await client.users.get(['users', 'autocomplete', { name: 'Zofia Tag' }])).result;
    assert.deepEqual(ids(found), [person.id]);
    const related = (await client.users.get(['users', ctx.customer.id, 'related'])).result;
    assert.equal(related.user_related.requested_tickets, 1, JSON.stringify(related));
    assert.equal(related.user_related.assigned_tickets, 0);
    assert.equal(related.user_related.ccd_tickets, 0);
    assert.equal(await statusOf((c) => c.users.get(['users', 999999999, 'related'])), 404);
  });

  await step('useridentities.update / verify / makePrimary / requestVerification / delete', async () => {
    const added = (await client.useridentities.create(person.id, { type: 'email', value: mail('zofia.praca') })).result;
    assert.equal(added.primary, false);
    const updated = (await client.useridentities.update(person.id, added.id, { identity: { value: mail('zofia.biuro') } })).result;
    assert.equal(updated.value, mail('zofia.biuro'));
    assert.equal((await client.useridentities.show(person.id, added.id)).result.value, mail('zofia.biuro'));
    const verified = (await client.useridentities.verify(person.id, added.id)).result;
    assert.equal(verified.verified, true);
    // make_primary answers every identity of the user.
    const all = (await client.useridentities.makePrimary(person.id, added.id)).result;
    assert.ok(Array.isArray(all), JSON.stringify(all));
    assert.deepEqual(all.filter((i) => i.primary).map((i) => i.id), [added.id]);
    assert.equal((await client.users.show(person.id)).result.email, mail('zofia.biuro'), 'the primary address did not become the email');
    const first = all.find((i) => i.id !== added.id);
    await client.useridentities.requestVerification(person.id, first.id);
    // The primary identity cannot be deleted; another can.
    assert.equal(await statusOf((c) => c.useridentities.delete(person.id, added.id)), 422);
    await client.useridentities.delete(person.id, first.id);
    assert.equal(await statusOf((c) => c.useridentities.show(person.id, first.id)), 404);
    assert.deepEqual(ids(await client.useridentities.list(person.id)), [added.id]);
    const dup = await failureOf((c) => c.useridentities.create(person.id, { type: 'email', value: mail('zofia.biuro') }));
    assert.equal(dup.status, 422);
  });

  await step('deleted_users list / show / count / permanent delete (generic requests)', async () => {
    await client.users.delete(person.id);
    const pages = await client.users.getAll(['deleted_users']);
    const deleted = pages.flatMap((p) => p.deleted_users || []);
    const mine = deleted.find((u) => u.id === person.id);
    assert.ok(mine, 'deleted_users does not list the user: ' + JSON.stringify(ids(deleted)));
    assert.equal(mine.active, false);
    assert.equal(mine.email, mail('zofia.biuro'));
    assert.equal((await client.users.get(['deleted_users', person.id])).result.deleted_user.name, 'Zofia Tagowa');
    const count = (await client.users.get(['deleted_users', 'count'])).result.count.value;
    assert.equal(count, deleted.length);
    // The users client's delete takes an id; the search client's is generic.
    const purged = (await client.search.delete(['deleted_users', person.id])).result.deleted_user;
    assert.equal(purged.id, person.id);
    assert.equal(purged.email, null);
    // Deleted users are shown until they are permanently deleted.
    assert.equal(await statusOf((c) => c.users.get(['deleted_users', person.id])), 404);
    assert.equal(await statusOf((c) => c.users.get(['deleted_users', ctx.agent.id])), 404);
  });
};
