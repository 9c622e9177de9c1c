// Assign upon solve and comment metadata, as node-zendesk sees them.
'use strict';
const { assert, client, step } = require('../lib');

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
