// Tickets, audits, tags, CCs, incidents, merge, bulk jobs and deleted tickets.
'use strict';
const { assert, client, step, waitJob, jobOf, statusOf, failureOf, unique, ids } = require('../lib');

module.exports = async function tickets(ctx) {
  const { me } = ctx;
  const externalID = unique('crm-4711');

  await step('tickets.create refuses a ticket without a comment (422 RecordInvalid)', async () => {
    const { status, body } = await failureOf((c) => c.tickets.create({ ticket: { subject: 'Bez treści' } }));
    assert.equal(status, 422);
    assert.equal(body.error, 'RecordInvalid');
    assert.equal(typeof body.description, 'string');
    assert.ok(body.details && typeof body.details === 'object', JSON.stringify(body));
    assert.deepEqual(await client.tickets.list(), [], 'a refused create left a ticket behind');
  });

  const created = await step('tickets.create (201, Location)', async () => {
    const { response, result } = await client.tickets.create({
      ticket: {
        subject: 'Drukarka nie drukuje',
        comment: { body: 'Zgłoszenie: drukarka w biurze nie drukuje od rana.' },
        requester: { name: 'Jan Kowalski', email: 'jan.kowalski@example.com' },
        priority: 'high',
        external_id: externalID,
        tags: ['printer', 'office'],
      },
    });
    assert.equal(response.status, 201);
    assert.ok(response.headers.get('location').endsWith('/api/v2/tickets/' + result.id + '.json'), response.headers.get('location'));
    assert.ok(result.id > 0);
    assert.equal(result.status, 'new');
    assert.equal(result.priority, 'high');
    assert.equal(result.external_id, externalID);
    assert.deepEqual(result.tags, ['printer', 'office']);
    // One shape everywhere: arrays, not null, in a create response too.
    assert.deepEqual(result.collaborator_ids, []);
    assert.ok(Array.isArray(result.custom_fields));
    return result;
  });
  ctx.ticket = created;

  await step('tickets.show', async () => {
    const { result } = await client.tickets.show(created.id);
    assert.equal(result.id, created.id);
    assert.equal(result.subject, 'Drukarka nie drukuje');
    assert.equal(result.description, 'Zgłoszenie: drukarka w biurze nie drukuje od rana.');
    assert.equal(await statusOf((c) => c.tickets.show(999999999)), 404);
  });

  await step('tickets.update (comment, status, assignee, email_ccs)', async () => {
    const { result } = await client.tickets.update(created.id, {
      ticket: {
        comment: { body: 'Sprawdzamy.', public: true },
        status: 'pending',
        assignee_id: me.id,
        email_ccs: [{ user_email: 'anna.nowak@example.com', user_name: 'Anna Nowak', action: 'put' }],
      },
    });
    assert.equal(result.status, 'pending');
    assert.equal(result.assignee_id, me.id);
    assert.equal(result.email_cc_ids.length, 1);
    ctx.ccUserID = result.email_cc_ids[0];
    const shown = (await client.tickets.show(created.id)).result;
    assert.equal(shown.status, 'pending', 'the update did not persist');
    assert.deepEqual(shown.email_cc_ids, [ctx.ccUserID]);
  });

  await step('tickets.getComments', async () => {
    const comments = await client.tickets.getComments(created.id);
    assert.deepEqual(comments.map((c) => c.body), ['Zgłoszenie: drukarka w biurze nie drukuje od rana.', 'Sprawdzamy.']);
    assert.equal(comments[1].author_id, me.id);
    assert.equal(comments[1].public, true);
  });

  await step('tickets.listWithFilter(external_id) filters', async () => {
    const found = await client.tickets.listWithFilter('external_id', externalID);
    assert.deepEqual(ids(found), [created.id]);
    assert.deepEqual(await client.tickets.listWithFilter('external_id', unique('nobody')), []);
  });

  await step('tickets.listAssigned / listByUserRequested / listByUserCCD / listCollaborators', async () => {
    assert.deepEqual(ids(await client.tickets.listAssigned(me.id)), [created.id]);
    assert.deepEqual(ids(await client.tickets.listByUserRequested(created.requester_id)), [created.id]);
    assert.deepEqual(ids(await client.tickets.listByUserRequested(me.id)), []);
    assert.deepEqual(ids(await client.tickets.listByUserCCD(ctx.ccUserID)), [created.id]);
    // tickets/{id}/collaborators answers {users: […]}, which node-zendesk's
    // tickets client does not unwrap.
    const pages = await client.tickets.listCollaborators(created.id);
    const users = pages.flatMap((p) => p.users);
    assert.deepEqual(users.map((u) => u.email), ['anna.nowak@example.com']);
  });

  await step('tickets.addTags (PUT adds) / updateTags (POST sets)', async () => {
    const added = await client.tickets.addTags(created.id, { tags: ['urgent'] });
    assert.deepEqual([...added[0].tags].sort(), ['office', 'printer', 'urgent']);
    const set = await client.tickets.updateTags(created.id, { tags: ['hardware'] });
    assert.deepEqual(set[0].tags, ['hardware']);
    const { result } = await client.tickets.show(created.id);
    assert.deepEqual(result.tags, ['hardware'], 'POST /tickets/{id}/tags must replace the tags');
  });

  await step('tickets.exportAudit / ticketaudits.list / show / listAll', async () => {
    const audits = await client.tickets.exportAudit(created.id);
    assert.equal(audits.length, 4, JSON.stringify(audits.map((a) => a.events.map((e) => e.type))));
    for (const a of audits) {
      assert.equal(a.ticket_id, created.id);
      assert.ok(Array.isArray(a.events) && a.events.length > 0);
    }
    assert.ok(audits[0].events.some((e) => e.type === 'Comment' && e.body.startsWith('Zgłoszenie')));
    assert.deepEqual(ids(await client.ticketaudits.list(created.id)), ids(audits));
    const { result } = await client.ticketaudits.show(created.id, audits[1].id);
    assert.equal(result.id, audits[1].id);
    assert.ok(result.events.some((e) => e.type === 'Change' && e.field_name === 'status' && e.value === 'pending'));
    const all = (await client.ticketaudits.listAll()).result;
    assert.ok(Array.isArray(all) && all.some((a) => a.id === audits[0].id));
  });

  const bulkIDs = await step('tickets.createMany (2 jobs, 150 tickets) / jobstatuses.watch', async () => {
    const out = [];
    for (const size of [100, 50]) {
      const tickets = Array.from({ length: size }, (_, i) => ({
        subject: 'Bulk ' + (out.length + i),
        comment: { body: 'bulk body' },
        requester: { name: 'Bulk Requester', email: 'bulk@example.com' },
      }));
      const job = jobOf(await client.tickets.createMany({ tickets }));
      const done = size === 50 ? await client.jobstatuses.watch(job.id, 50, 5) : await waitJob(job.id);
      assert.equal(done.status, 'completed');
      assert.equal(done.total, size);
      assert.equal(done.results.length, size);
      for (const r of done.results) { assert.ok(r.id > 0, JSON.stringify(r)); out.push(r.id); }
    }
    return out;
  });
  ctx.bulkIDs = bulkIDs;

  await step('tickets.list (all pages, cursor)', async () => {
    const all = await client.tickets.list();
    const seen = new Set(ids(all));
    assert.equal(seen.size, all.length, 'a page repeated tickets');
    assert.ok(seen.has(created.id));
    for (const id of bulkIDs) assert.ok(seen.has(id), 'missing ' + id);
    assert.equal(all.length, 151);
  });

  await step('tickets.listByUserRequested (offset pages, next_page)', async () => {
    const requester = (await client.tickets.show(bulkIDs[0])).result.requester_id;
    // users/{id}/tickets/requested is not on node-zendesk's cursor list, so
    // getAll follows next_page over two offset pages of 100.
    const first = (await client.tickets.get(['users', requester, 'tickets', 'requested'])).result;
    assert.equal(first.length, 100);
    const all = await client.tickets.listByUserRequested(requester);
    assert.deepEqual(ids(all), bulkIDs);
  });

  await step('tickets.showMany', async () => {
    const want = [created.id, bulkIDs[0], bulkIDs[149]];
    const { result } = await client.tickets.showMany(want.join(','));
    assert.deepEqual(ids(result).sort((a, b) => a - b), [...want].sort((a, b) => a - b));
  });

  await step('tickets.updateMany (job) persists', async () => {
    const some = bulkIDs.slice(0, 3);
    const job = jobOf(await client.tickets.updateMany(some.join(','), { ticket: { status: 'open', tags: ['bulk-updated'] } }));
    const done = await waitJob(job.id);
    assert.equal(done.results.length, 3);
    const { result } = await client.tickets.showMany(some.join(','));
    for (const t of result) {
      assert.equal(t.status, 'open');
      assert.deepEqual(t.tags, ['bulk-updated']);
    }
  });

  await step('tickets.listIncidents', async () => {
    const problem = (await client.tickets.create({ ticket: { subject: 'Serwer poczty nie działa', type: 'problem', comment: { body: 'Awaria.' } } })).result;
    const incident = (await client.tickets.create({ ticket: { subject: 'Nie mam poczty', type: 'incident', problem_id: problem.id, comment: { body: 'Brak poczty.' } } })).result;
    assert.equal(incident.problem_id, problem.id);
    assert.deepEqual(ids(await client.tickets.listIncidents(problem.id)), [incident.id]);
    ctx.extraTickets = [problem.id, incident.id];
  });

  await step('tickets.merge (pollable job status)', async () => {
    const [source, target] = bulkIDs.slice(3, 5);
    const job = jobOf(await client.tickets.merge(target, { ids: [source], target_comment: 'Połączono.', source_comment: 'Zamknięte, połączone.' }));
    await waitJob(job.id);
    assert.equal((await client.tickets.show(source)).result.status, 'closed');
    const bodies = (await client.tickets.getComments(target)).map((c) => c.body);
    assert.ok(bodies.includes('Połączono.'), JSON.stringify(bodies));
  });

  await step('tickets.delete / deleteMany / deleted_tickets / restore', async () => {
    await client.tickets.delete(created.id);
    assert.equal(await statusOf((c) => c.tickets.show(created.id)), 404);
    const gone = bulkIDs.slice(140);
    const job = jobOf(await client.tickets.deleteMany(gone.join(',')));
    await waitJob(job.id);
    assert.equal(await statusOf((c) => c.tickets.show(gone[0])), 404);
    // node-zendesk wraps no deleted-tickets method: the generic request.
    const pages = await client.tickets.getAll(['deleted_tickets']);
    const deleted = pages.flatMap((p) => p.deleted_tickets);
    assert.deepEqual(ids(deleted).sort((a, b) => a - b), [created.id, ...gone].sort((a, b) => a - b));
    const first = deleted.find((t) => t.id === created.id);
    assert.equal(first.subject, 'Drukarka nie drukuje');
    assert.equal(first.actor.id, me.id);
    assert.equal(first.previous_state, "pending");
    await client.tickets.put(['deleted_tickets', gone[0], 'restore']);
    assert.equal((await client.tickets.show(gone[0])).result.id, gone[0]);
  });
};
