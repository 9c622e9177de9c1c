// Assign upon solve and comment metadata, as node-zendesk sees them.
'use strict';
const { assert, client, step, failureOf } = require('../lib');

module.exports = async function workflow(ctx) {
  await step('tickets.update solving an unassigned ticket assigns the solver (assign upon solve)', async () => {
    const t = (await client.tickets.create({ ticket: { subject: 'Hasło wygasło', requester_id: ctx.customer.id, comment: { body: 'Hasło wygasło.' } } })).result;
    assert.equal(t.assignee_id, null);
    const { result } = await client.tickets.update(t.id, { ticket: { status: 'solved', comment: { body: 'Zresetowane.', public: true } } });
    assert.equal(result.status, 'solved');
    assert.equal(result.assignee_id, ctx.me.id);
    const shown = (await client.tickets.show(t.id)).result;
    assert.equal(shown.assignee_id, ctx.me.id, 'the assignee did not persist');
    ctx.solvedTicket = shown;
  });

  await step('requests.update solving an unassigned request is refused (422 under details.base)', async () => {
    // The requester is never made the assignee: Zendesk refuses the solve.
    const r = (await client.requests.create({ request: { subject: 'Drukarka offline', comment: { body: 'Drukarka jest offline.' } } })).result;
    assert.equal(r.can_be_solved_by_me, false);
    const { status, body } = await failureOf((c) => c.requests.update(r.id, { request: { solved: true, comment: { body: 'Sam naprawiłem.' } } }));
    assert.equal(status, 422);
    assert.equal(body.error, 'RecordInvalid');
    assert.deepEqual(body.details.base.map((d) => [d.error, d.ticket_field_type, d.description]), [['InvalidValue', 'FieldAssignee', 'Assignee: is required when solving a ticket']]);
    const shown = (await client.requests.show(r.id)).result;
    assert.equal(shown.status, 'new', 'a refused solve changed the status');
    assert.equal((await client.requests.listComments(r.id)).flatMap((p) => p.comments).length, 1, 'a refused solve kept its comment');
  });

  await step('tickets.getComments carries metadata (client, IP) / ticketaudits metadata', async () => {
    const comments = await client.tickets.getComments(ctx.solvedTicket.id);
    assert.equal(comments.length, 2);
    for (const c of comments) {
      const sys = c.metadata && c.metadata.system;
      assert.ok(sys, 'comment without metadata.system: ' + JSON.stringify(c));
      assert.equal(sys.ip_address, '127.0.0.1');
      assert.equal(typeof sys.client, 'string');
      assert.ok(sys.client.length > 0, JSON.stringify(sys));
      assert.deepEqual(c.metadata.custom, {});
      assert.equal(c.via.channel, 'api');
    }
    const audits = await client.ticketaudits.list(ctx.solvedTicket.id);
    assert.deepEqual(audits[1].metadata, comments[1].metadata);
  });
};
