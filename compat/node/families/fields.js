// Ticket forms, ticket field options and system fields, user fields and
// organization fields (custom fields on people, searchable).
'use strict';
const { assert, client, step, statusOf, failureOf, unique, ids } = require('../lib');

// optionsOf reads the custom_field_options of a dropdown's options page:
// node-zendesk's field clients unwrap only their own record names.
function optionsOf({ result }) {
  assert.ok(Array.isArray(result.custom_field_options), JSON.stringify(result));
  return result.custom_field_options;
}

module.exports = async function fields(ctx) {
  await step('ticketfields.list (system fields) / count', async () => {
    const all = await client.ticketfields.list();
    const types = all.filter((f) => !f.removable).map((f) => f.type);
    for (const t of ['subject', 'description', 'status', 'priority', 'tickettype', 'group', 'assignee']) {
      assert.ok(types.includes(t), 'no system field ' + t + ' in ' + JSON.stringify(types));
    }
    const { result } = await client.ticketfields.count();
    assert.equal(result.count.value, all.length);
    assert.ok(result.count.refreshed_at, JSON.stringify(result));
  });

  const dropdown = await step('ticketfields options: listOptions / createOrUpdateOption / showOption / deleteOption', async () => {
    const field = (await client.ticketfields.create({ ticket_field: { type: 'tagger', title: unique('Dział'), custom_field_options: [{ name: 'Sprzedaż', value: 'sprzedaz' }] } })).result;
    const made = await client.ticketfields.createOrUpdateOption(field.id, { custom_field_option: { name: 'Księgowość', value: 'ksiegowosc' } });
    assert.equal(made.response.status, 201);
    const opt = made.result.custom_field_option;
    assert.equal(opt.value, 'ksiegowosc');
    const renamed = await client.ticketfields.createOrUpdateOption(field.id, { custom_field_option: { id: opt.id, name: 'Finanse', value: 'ksiegowosc' } });
    assert.equal(renamed.response.status, 200);
    assert.equal(renamed.result.custom_field_option.id, opt.id);
    assert.equal((await client.ticketfields.showOption(field.id, opt.id)).result.custom_field_option.name, 'Finanse');
    assert.deepEqual(optionsOf(await client.ticketfields.listOptions(field.id)).map((o) => [o.name, o.value]), [['Sprzedaż', 'sprzedaz'], ['Finanse', 'ksiegowosc']]);
    assert.deepEqual((await client.ticketfields.show(field.id)).result.custom_field_options.map((o) => o.value), ['sprzedaz', 'ksiegowosc']);
    await client.ticketfields.deleteOption(field.id, opt.id);
    assert.equal(await statusOf((c) => c.ticketfields.showOption(field.id, opt.id)), 404);
    assert.deepEqual(optionsOf(await client.ticketfields.listOptions(field.id)).map((o) => o.value), ['sprzedaz']);
    const bad = await failureOf((c) => c.ticketfields.createOrUpdateOption(field.id, { custom_field_option: { name: 'Bez wartości' } }));
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error, 'RecordInvalid');
    return field;
  });

  await step('ticketforms.create / show / update / list / reorder / clone / delete', async () => {
    const made = await client.ticketforms.create({ ticket_form: { name: unique('Sprzęt'), display_name: 'Zgłoś usterkę', end_user_visible: true, ticket_field_ids: [dropdown.id] } });
    assert.equal(made.response.status, 201);
    const form = made.result;
    assert.equal(form.display_name, 'Zgłoś usterkę');
    assert.ok(form.ticket_field_ids.includes(dropdown.id), JSON.stringify(form.ticket_field_ids));
    assert.ok(form.url.endsWith('/api/v2/ticket_forms/' + form.id + '.json'), form.url);
    const second = (await client.ticketforms.create({ ticket_form: { name: unique('Konto'), end_user_visible: false } })).result;
    await client.ticketforms.update(form.id, { ticket_form: { display_name: 'Usterka sprzętu', active: true } });
    const shown = (await client.ticketforms.show(form.id)).result;
    assert.equal(shown.display_name, 'Usterka sprzętu');
    assert.equal(shown.name, form.name);
    const listed = await client.ticketforms.list();
    assert.ok(ids(listed).includes(form.id) && ids(listed).includes(second.id));
    const visible = await client.ticketforms.list({ end_user_visible: true });
    assert.ok(ids(visible).includes(form.id));
    assert.ok(!ids(visible).includes(second.id), 'end_user_visible=true lists a hidden form');
    const order = [second.id, ...ids(listed).filter((id) => id !== second.id)];
    const reordered = (await client.ticketforms.reorder(order)).result;
    assert.deepEqual(ids(reordered), order);
    assert.deepEqual(ids(await client.ticketforms.list()), order, 'the new order did not persist');
    const clone = (await client.ticketforms.clone(form.id)).result;
    assert.notEqual(clone.id, form.id);
    assert.deepEqual(clone.ticket_field_ids, shown.ticket_field_ids);
    assert.equal(clone.default, false);
    // A ticket on the form keeps it.
    const t = (await client.tickets.create({ ticket: { subject: 'Monitor miga', ticket_form_id: form.id, comment: { body: 'Monitor miga.' } } })).result;
    assert.equal(t.ticket_form_id, form.id);
    assert.equal((await client.tickets.show(t.id)).result.ticket_form_id, form.id);
    await client.ticketforms.delete(clone.id);
    assert.equal(await statusOf((c) => c.ticketforms.show(clone.id)), 404);
    assert.equal(await statusOf((c) => c.ticketforms.create({ ticket_form: { display_name: 'Bez nazwy' } })), 422);
    ctx.form = form;
  });

  // User and organization fields share one shape; the values live on the
  // records under user_fields / organization_fields, keyed by field key.
  const userKey = unique('plan').replace(/-/g, '_');
  await step('userfields.create / show / update / list / reorder / delete', async () => {
    const made = await client.userfields.create({ user_field: { type: 'dropdown', key: userKey, title: 'Plan', custom_field_options: [{ name: 'Podstawowy', value: 'basic' }, { name: 'Premium', value: 'premium' }] } });
    assert.equal(made.response.status, 201);
    const field = made.result;
    assert.equal(field.key, userKey);
    assert.deepEqual(field.custom_field_options.map((o) => o.value), ['basic', 'premium']);
    const text = (await client.userfields.create({ user_field: { type: 'text', key: userKey + '_note', title: 'Uwagi' } })).result;
    await client.userfields.update(text.id, { user_field: { title: 'Uwagi handlowe', description: 'Dla sprzedaży' } });
    const shown = (await client.userfields.show(text.id)).result;
    assert.equal(shown.title, 'Uwagi handlowe');
    assert.equal(shown.description, 'Dla sprzedaży');
    assert.deepEqual(ids(await client.userfields.list()), [field.id, text.id]);
    await client.userfields.reorder([text.id, field.id]);
    assert.deepEqual(ids(await client.userfields.list()), [text.id, field.id], 'reorder did not persist');
    assert.equal(await statusOf((c) => c.userfields.create({ user_field: { type: 'text', key: userKey, title: 'Drugi plan' } })), 422);
    await client.userfields.delete(text.id);
    assert.equal(await statusOf((c) => c.userfields.show(text.id)), 404);
    ctx.userField = field;
  });

  await step('userfields options / user_fields values on users / search by field', async () => {
    const field = ctx.userField;
    const made = await client.userfields.createOrUpdateOption(field.id, { custom_field_option: { name: 'Firmowy', value: 'business' } });
    assert.equal(made.response.status, 201);
    const opt = made.result.custom_field_option;
    assert.equal((await client.userfields.showOption(field.id, opt.id)).result.custom_field_option.value, 'business');
    assert.deepEqual(optionsOf(await client.userfields.listOptions(field.id)).map((o) => o.value), ['basic', 'premium', 'business']);
    await client.userfields.deleteOption(field.id, opt.id);
    assert.equal(await statusOf((c) => c.userfields.showOption(field.id, opt.id)), 404);
    const { result } = await client.users.update(ctx.customer.id, { user: { user_fields: { [userKey]: 'premium' } } });
    assert.equal(result.user_fields[userKey], 'premium');
    assert.equal((await client.users.show(ctx.customer.id)).result.user_fields[userKey], 'premium');
    assert.deepEqual(ids(await client.users.search({ query: userKey + ':premium' })), [ctx.customer.id]);
    const wrong = await failureOf((c) => c.users.update(ctx.customer.id, { user: { user_fields: { [userKey]: 'gold' } } }));
    assert.equal(wrong.status, 422);
    assert.equal((await client.users.show(ctx.customer.id)).result.user_fields[userKey], 'premium', 'a refused value was kept');
  });

  await step('organizationfields.create / show / update / list / reorder / delete / values', async () => {
    const key = unique('region').replace(/-/g, '_');
    const made = await client.organizationfields.create({ organization_field: { type: 'text', key, title: 'Region' } });
    assert.equal(made.response.status, 201);
    const field = made.result;
    const check = (await client.organizationfields.create({ organization_field: { type: 'checkbox', key: key + '_vip', title: 'VIP', tag: 'org_vip' } })).result;
    await client.organizationfields.update(field.id, { organization_field: { title: 'Województwo' } });
    assert.equal((await client.organizationfields.show(field.id)).result.title, 'Województwo');
    assert.deepEqual(ids(await client.organizationfields.list()), [field.id, check.id]);
    await client.organizationfields.reorder([check.id, field.id]);
    assert.deepEqual(ids(await client.organizationfields.list()), [check.id, field.id], 'reorder did not persist');
    const { result } = await client.organizations.update(ctx.org.id, { organization: { organization_fields: { [key]: 'mazowieckie', [key + '_vip']: true } } });
    assert.equal(result.organization_fields[key], 'mazowieckie');
    const shown = (await client.organizations.show(ctx.org.id)).result;
    assert.equal(shown.organization_fields[key], 'mazowieckie');
    assert.equal(shown.organization_fields[key + '_vip'], true);
    assert.deepEqual(ids((await client.search.query('type:organization ' + key + ':mazowieckie')).result), [ctx.org.id]);
    await client.organizationfields.delete(check.id);
    assert.equal(await statusOf((c) => c.organizationfields.show(check.id)), 404);
    assert.equal(await statusOf((c) => c.organizationfields.create({ organization_field: { type: 'rocket', key: key + '_x', title: 'X' } })), 422);
  });
};
