// Search, job statuses, incremental exports, tags and ticket fields.
'use strict';
const { assert, client, step, waitJob, jobOf, statusOf, unique, ids } = require('../lib');

module.exports = async function data(ctx) {
  const { me, bulkIDs } = ctx;

  await step('search.query / showResultsCount', async () => {
    const { result } = await client.search.query('type:ticket faktura');
    assert.deepEqual(ids(result), [ctx.orgTicket.id], 'folded search did not find the ticket');
    assert.equal(result[0].result_type, 'ticket');
    const count = (await client.search.showResultsCount('type:ticket subject:bulk')).result;
    assert.equal(count.count, 141); // 150 - 10 deleted + 1 restored
  });

  await step('search.query filters (status, type:user, type:organization)', async () => {
    const open = (await client.search.query('type:ticket status:open subject:bulk')).result;
    assert.deepEqual(ids(open).sort((a, b) => a - b), bulkIDs.slice(0, 3).sort((a, b) => a - b));
    const users = (await client.search.query('type:user role:agent')).result;
    assert.deepEqual(ids(users), [ctx.agent.id]);
    assert.equal(users[0].result_type, 'user');
    const orgs = (await client.search.query('type:organization ' + ctx.org.name)).result;
    assert.deepEqual(ids(orgs), [ctx.org.id]);
  });

  await step('search.queryAll (all pages)', async () => {
    const all = await client.search.queryAll('type:ticket subject:bulk');
    assert.equal(all.length, 141);
    assert.equal(new Set(ids(all)).size, 141, 'a page repeated results');
  });

  await step('search.exportResults (cursor pages)', async () => {
    const all = await client.search.exportResults('subject:bulk', 'ticket', 100);
    assert.equal(all.length, 141);
    const got = ids(all);
    assert.deepEqual(got, [...got].sort((a, b) => a - b), 'export is not in id order');
    assert.equal(await statusOf((c) => c.search.get(['search', 'export', { query: 'bulk' }])), 400);
  });

  await step('jobstatuses.list / showMany', async () => {
    const job = jobOf(await client.tickets.updateMany(bulkIDs.slice(5, 7).join(','), { ticket: { priority: 'low' } }));
    await waitJob(job.id);
    const { result } = await client.jobstatuses.list();
    assert.ok(result.job_statuses.some((j) => j.id === job.id), 'job_statuses does not list the job');
    const many = (await client.jobstatuses.showMany([job.id])).result.job_statuses;
    assert.deepEqual(many.map((j) => [j.id, j.status, j.total]), [[job.id, 'completed', 2]]);
  });

  await step('tags.list', async () => {
    const tags = await client.tags.list();
    const names = tags.map((t) => t.name);
    assert.ok(names.includes('bulk-updated'), JSON.stringify(tags));
    assert.equal(tags.find((t) => t.name === 'bulk-updated').count, 3);
  });

  // Exports walk the whole stream; the Go driver shortens the export lag so
  // the records of this run are already visible.
  await step('tickets.incremental / incrementalInclude / ticketexport', async () => {
    const all = await client.tickets.incremental(0);
    const seen = new Set(ids(all));
    for (const id of [ctx.orgTicket.id, ...bulkIDs]) assert.ok(seen.has(id), 'export misses ticket ' + id);
    const deleted = all.find((t) => t.id === ctx.ticket.id);
    assert.equal(deleted.status, 'deleted');
    for (const t of all) assert.ok(t.generated_timestamp > 0);
    const withUsers = await client.tickets.incrementalInclude(0, 'users');
    assert.equal(withUsers.length, all.length);
    const page = (await client.ticketexport.exportWithUser(0)).result;
    assert.ok(Array.isArray(page.users) && page.users.some((u) => u.id === ctx.customer.id), 'no users sideload');
    assert.equal(page.end_of_stream, true);
    assert.ok(page.end_time > 0);
    const first = (await client.ticketexport.export(0)).result;
    assert.equal(first.count, all.length);
    // exportCursor(start, cursor) sends cursor=undefined without a cursor:
    // the first page comes from the same endpoint without one.
    const cursor = (await client.ticketexport.get(['incremental', 'tickets', 'cursor', { start_time: 0 }])).result;
    assert.equal(cursor.tickets.length, all.length);
    assert.equal(cursor.end_of_stream, true);
    assert.ok(cursor.after_cursor);
    const rest = (await client.ticketexport.exportCursor(0, cursor.after_cursor)).result;
    assert.deepEqual(rest.tickets, []);
    assert.equal(rest.end_of_stream, true);
    // next_page resumes exactly where the stream ended: nothing new yet.
    const later = (await client.ticketexport.get(page.next_page)).result;
    assert.deepEqual(later.tickets, []);
    assert.equal(later.end_of_stream, true);
  });

  await step('ticketevents.incremental / incrementalInclude(comment_events)', async () => {
    const events = await client.ticketevents.incremental(0);
    const mine = events.filter((e) => e.ticket_id === ctx.orgTicket.id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].event_type, 'Audit');
    const withComments = await client.ticketevents.incrementalInclude(0, 'comment_events');
    const audit = withComments.find((e) => e.ticket_id === ctx.orgTicket.id);
    assert.ok(audit.child_events.some((c) => c.event_type === 'Comment' && c.body === 'Proszę o fakturę.'), JSON.stringify(audit));
  });

  await step('users.incremental / organizations.incremental', async () => {
    const users = await client.users.incremental(0);
    const seen = new Set(ids(users));
    for (const u of [me, ctx.agent, ctx.customer]) assert.ok(seen.has(u.id), 'user export misses ' + u.id);
    const orgs = await client.organizations.incremental(0);
    assert.ok(ids(orgs).includes(ctx.org.id));
    assert.equal(orgs.find((o) => o.id === ctx.org.id).notes, 'Kluczowy klient');
  });

  await step('ticketfields.create / show / update / list / delete', async () => {
    const { result } = await client.ticketfields.create({ ticket_field: { type: 'tagger', title: unique('Model drukarki'), custom_field_options: [{ name: 'HP', value: 'hp' }, { name: 'Brother', value: 'brother' }] } });
    assert.equal(result.type, 'tagger');
    assert.deepEqual(result.custom_field_options.map((o) => o.value), ['hp', 'brother']);
    await client.ticketfields.update(result.id, { ticket_field: { title: unique('Model') } });
    assert.equal((await client.ticketfields.show(result.id)).result.title, unique('Model'));
    assert.ok(ids(await client.ticketfields.list()).includes(result.id));
    assert.ok(ids(await client.ticketfields.listWithLocale('pl')).includes(result.id));
    // A ticket takes the field's value, and search finds it.
    const t = (await client.tickets.create({ ticket: { subject: 'Zacięcie papieru', comment: { body: 'Papier się zacina.' }, custom_fields: [{ id: result.id, value: 'brother' }] } })).result;
    assert.deepEqual(t.custom_fields.find((f) => f.id === result.id), { id: result.id, value: 'brother' });
    assert.ok(t.tags.includes('brother'));
    assert.deepEqual(ids((await client.search.query('type:ticket custom_field_' + result.id + ':brother')).result), [t.id]);
    await client.ticketfields.delete(result.id);
    assert.equal(await statusOf((c) => c.ticketfields.show(result.id)), 404);
  });
};
