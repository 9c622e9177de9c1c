// The Requests API, locales and brands.
'use strict';
const { assert, client, step, ids } = require('../lib');

module.exports = async function portal(ctx) {
  const { me } = ctx;

  // The admin acts as a requester of their own request.
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
    // The admin's requests: this one and the tickets earlier steps created
    // without a requester (the caller is the requester then).
    const all = await client.requests.list();
    assert.ok(ids(all).includes(request.id));
    assert.ok(all.every((r) => r.requester_id === me.id), JSON.stringify(all.map((r) => r.requester_id)));
    ctx.ownRequests = all.length;
    const { result } = await client.requests.update(request.id, { request: { comment: { body: 'Nadal nie działa.' } } });
    assert.equal(result.id, request.id);
    const shown = await client.requests.show(request.id);
    assert.equal(shown.result.subject, 'Laptop nie startuje');
    assert.deepEqual(ids(await client.requests.list({ status: 'open,pending' })), []);
    const fresh = await client.requests.list({ status: 'new' });
    assert.ok(ids(fresh).includes(request.id));
    assert.ok(fresh.every((r) => r.status === 'new'));
  });

  await step('requests.listComments / getComment / listSolved / listCCD / search', async () => {
    // node-zendesk 6.0.1's requests client unwraps only "requests"/"request",
    // so each page comes back whole (as it does from Zendesk): {comments: […]}.
    const pages = await client.requests.listComments(request.id);
    const comments = pages.flatMap((p) => p.comments);
    assert.deepEqual(comments.map((c) => c.body), ['Po aktualizacji laptop nie startuje.', 'Nadal nie działa.']);
    const one = await client.requests.getComment(request.id, comments[1].id);
    assert.equal(one[0].comment.body, 'Nadal nie działa.');
    assert.deepEqual(await client.requests.listSolved(), []);
    assert.deepEqual(await client.requests.listCCD(), []);
    const { result } = await client.requests.search({ query: 'laptop' });
    assert.deepEqual(ids(result), [request.id]);
  });

  await step('requests.update (solved) → listSolved', async () => {
    await client.tickets.update(request.id, { ticket: { assignee_id: me.id } });
    const { result } = await client.requests.update(request.id, { request: { solved: true, comment: { body: 'Już działa, dziękuję.' } } });
    assert.equal(result.status, 'solved');
    assert.deepEqual(ids(await client.requests.listSolved()), [request.id]);
  });

  await step('locales.list / listForAgent / listPublicLocales / show / current', async () => {
    const locales = await client.locales.list();
    // English (id 1, the default) and Polish: the catalogues Frontdesk has.
    assert.deepEqual(locales.map((l) => [l.id, l.locale.slice(0, 2), l.default]), [[1, 'en', true], [2, 'pl', false]]);
    const pl = locales[1];
    assert.deepEqual(await client.locales.listForAgent(), locales);
    assert.deepEqual(await client.locales.listPublicLocales(), locales);
    assert.equal((await client.locales.show(pl.id)).result.locale, pl.locale);
    assert.equal((await client.locales.show('pl')).result.id, pl.id);
    const current = (await client.locales.current()).result;
    assert.ok(locales.some((l) => l.id === current.id));
    assert.deepEqual((await client.locales.showCurrent()).result, current);
  });

  await step('brand.list / show', async () => {
    const { result } = await client.brand.list();
    assert.equal(result.length, 1);
    assert.equal(result[0].id, 1);
    assert.equal((await client.brand.show(1)).result.brand.id, 1);
    assert.equal(ctx.ticket.brand_id, 1);
  });
};
