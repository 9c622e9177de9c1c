// Drives an unmodified node-zendesk client against a running Frontdesk.
// Usage: FRONTDESK_URL=http://127.0.0.1:8080 FRONTDESK_EMAIL=… FRONTDESK_TOKEN=… node run.js
// Exits non-zero, naming the step, when anything differs from Zendesk's
// behaviour. Families run in order on one fresh database and share what
// they created through ctx (assertions count exact results).
'use strict';
const { assert, client, step, passedSteps, failureOf, statusOf } = require('./lib');

(async () => {
  const ctx = {};
  ctx.me = await step('users.me / auth', async () => {
    const { result } = await client.users.me();
    assert.equal(result.email, process.env.FRONTDESK_EMAIL);
    assert.equal(result.role, 'admin');
    assert.equal((await client.users.auth()).result.id, result.id);
    return result;
  });
  await require('./families/tickets')(ctx);
  await require('./families/people')(ctx);
  await require('./families/data')(ctx);
  await require('./families/portal')(ctx);
  await require('./families/fields')(ctx);
  await require('./families/users')(ctx);
  await require('./families/workflow')(ctx);
  await require('./families/helpcenter')(ctx);
  await require('./families/oauth')(ctx);
  await step('users.password (own; the old one stops working)', async () => {
    const old = process.env.FRONTDESK_PASSWORD;
    assert.ok(old, 'FRONTDESK_PASSWORD is not set');
    const next = old + ' nowe';
    const wrong = await failureOf((c) => c.users.password(ctx.me.id, 'not my password', next));
    assert.equal(wrong.status, 422);
    assert.ok(wrong.body.details.previous_password, JSON.stringify(wrong.body));
    const { result } = await client.users.password(ctx.me.id, old, next);
    assert.deepEqual(result, {});
    assert.equal((await failureOf((c) => c.users.password(ctx.me.id, old, old + ' znowu'))).status, 422);
    assert.equal(await statusOf((c) => c.users.password(ctx.agent.id, next, old)), 403);
  });
  console.log('node-zendesk compatibility: all ' + passedSteps() + ' steps passed');
})();
