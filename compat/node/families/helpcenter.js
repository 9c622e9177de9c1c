// The Help Center client (client.helpcenter.*): categories, sections,
// articles per locale, translations of each, search, votes, locales.
'use strict';
const zendesk = require('node-zendesk');
const { assert, step, ids, unique, base } = require('../lib');

module.exports = async function helpcenter(ctx) {
  // node-zendesk's help-center classes talk to /api/v2/help_center.
  const hc = zendesk.createClient({
    username: process.env.FRONTDESK_EMAIL,
    token: process.env.FRONTDESK_TOKEN,
    endpointUri: base + '/api/v2/help_center',
    apiType: ['helpcenter'],
  }).helpcenter;

  const made = await step('helpcenter categories/sections/articles.create', async () => {
    const { result: category } = await hc.categories.create({ category: { name: unique('Konta'), locale: 'pl', description: 'Logowanie' } });
    assert.ok(category.id > 0);
    assert.equal(category.locale, 'pl');
    const { result: section } = await hc.sections.create(category.id, { section: { name: 'Hasła', locale: 'pl' } });
    assert.equal(section.category_id, category.id);
    const { result: article } = await hc.articles.createWithLocale('pl', section.id, {
      article: { title: 'Jak zresetować hasło', body: '<p>Kliknij <b>Nie pamiętam hasła</b>.</p><script>alert(1)</script>', label_names: ['haslo'] },
    });
    assert.equal(article.locale, 'pl');
    assert.equal(article.section_id, section.id);
    assert.ok(!article.body.includes('<script'), article.body);
    return { category, section, article };
  });

  await step('helpcenter articles.list / listByLocale / listBySection / listByCategory / show / showWithLocale', async () => {
    const { category, section, article } = made;
    assert.ok(ids(await hc.articles.list()).includes(article.id));
    assert.ok(ids(await hc.articles.listByLocale('pl')).includes(article.id));
    assert.ok(ids(await hc.articles.listByLocale('pl-pl')).includes(article.id), 'a regional locale lists the same articles');
    assert.deepEqual(ids(await hc.articles.listBySection(section.id)), [article.id]);
    assert.deepEqual(ids(await hc.articles.listByCategory(category.id)), [article.id]);
    assert.deepEqual(ids(await hc.articles.listBySectionByLocale('pl', section.id)), [article.id]);
    const { result } = await hc.articles.show(article.id);
    assert.equal(result.id, article.id);
    const shown = await hc.articles.showWithLocale('pl', article.id);
    assert.equal(shown.result.title, 'Jak zresetować hasło');
    const { result: updated } = await hc.articles.update(article.id, { article: { promoted: true } });
    assert.equal(updated.promoted, true);
  });

  await step('helpcenter sections / categories: list, listWithLocale, show, update', async () => {
    const { category, section } = made;
    assert.ok(ids(await hc.categories.list()).includes(category.id));
    assert.ok(ids(await hc.categories.listWithLocale('pl')).includes(category.id));
    assert.equal((await hc.categories.show(category.id)).result.description, 'Logowanie');
    assert.deepEqual(ids(await hc.sections.listByCategory(category.id)), [section.id]);
    assert.ok(ids(await hc.sections.listWithLocale('pl')).includes(section.id));
    assert.equal((await hc.sections.show(section.id)).result.name, 'Hasła');
    const { result: renamed } = await hc.sections.update(section.id, { section: { name: 'Hasła i logowanie', position: 3 } });
    assert.equal(renamed.name, 'Hasła i logowanie');
    assert.equal(renamed.position, 3);
    const { result: cat } = await hc.categories.update(category.id, { category: { position: 2 } });
    assert.equal(cat.position, 2);
  });

  await step('helpcenter translations: article, section, category; missing locales; delete', async () => {
    const { category, section, article } = made;
    assert.deepEqual((await hc.translations.listMissingLocalesByArticle(article.id)).result.locales, ['en']);
    const { result: tr } = await hc.translations.createForArticle(article.id, { translation: { locale: 'en', title: 'Reset your password', body: 'Click forgot.' } });
    assert.equal(tr.locale, 'en');
    assert.equal(tr.source_type, 'Article');
    assert.equal((await hc.translations.show(article.id, 'en')).result.title, 'Reset your password');
    const { result: upd } = await hc.translations.updateForArticle(article.id, 'en', { translation: { title: 'Reset your password now' } });
    assert.equal(upd.title, 'Reset your password now');
    assert.deepEqual((await hc.translations.listByArticle(article.id)).map((t) => t.locale), ['en', 'pl']);
    assert.deepEqual((await hc.translations.listMissingLocalesByArticle(article.id)).result.locales, []);

    const { result: st } = await hc.translations.createForSection(section.id, { translation: { locale: 'en', title: 'Passwords' } });
    assert.equal(st.source_type, 'Section');
    assert.equal((await hc.translations.updateForSection(section.id, 'en', { translation: { title: 'Passwords and sign-in' } })).result.title, 'Passwords and sign-in');
    assert.deepEqual((await hc.translations.listBySection(section.id)).map((t) => t.locale), ['en', 'pl']);
    assert.deepEqual((await hc.translations.listMissingLocalesBySection(section.id)).result.locales, []);

    assert.deepEqual((await hc.translations.listMissingLocalesByCategory(category.id)).result.locales, ['en']);
    const { result: ct } = await hc.translations.createForCategory(category.id, { translation: { locale: 'en', title: 'Accounts' } });
    assert.equal(ct.source_type, 'Category');
    assert.equal((await hc.translations.updateForCategory(category.id, 'en', { translation: { title: 'Your account' } })).result.title, 'Your account');
    assert.deepEqual((await hc.translations.listByCategory(category.id)).map((t) => t.locale), ['en', 'pl']);
    await hc.translations.delete(ct.id);
    assert.deepEqual((await hc.translations.listMissingLocalesByCategory(category.id)).result.locales, ['en']);
    const locales = (await hc.translations.listLocales()).result.locales;
    assert.ok(locales.includes('en') && locales.includes('pl'), JSON.stringify(locales));
  });

  await step('helpcenter search.searchArticles / searchArticlesInLocale / searchArticlesByLabels', async () => {
    const { article } = made;
    // node-zendesk 6.0.1 unwraps only a "search" key, so the envelopes
    // come back whole, as they do from Zendesk. The folded query finds
    // "hasło" in the Polish translation.
    const { result } = await hc.search.searchArticlesInLocale('haslo', 'pl');
    assert.ok(ids(result.results).includes(article.id), JSON.stringify(result));
    const body = await hc.search.searchArticlesInLocale('pamietam', 'pl');
    assert.ok(body.result.results.find((r) => r.id === article.id).snippet.includes('<em>pamiętam</em>'), JSON.stringify(body.result));
    const en = await hc.search.searchArticles({ query: 'reset', locale: 'en' });
    assert.ok(ids(en.result.results).includes(article.id));
    const labelled = await hc.search.searchArticlesByLabels('haslo');
    assert.deepEqual(ids(labelled.result.articles), [article.id]);
  });

  await step('helpcenter votes: up, down, listByArticle, listByUser, show, delete', async () => {
    const { article } = made;
    const { result: up } = await hc.votes.createUpVoteForArticle(article.id);
    assert.equal(up.value, 1);
    assert.equal(up.item_id, article.id);
    assert.equal(up.user_id, ctx.me.id);
    const { result: down } = await hc.votes.createDownVoteForArticle(article.id);
    assert.equal(down.id, up.id, 'one vote per user: the second replaces the first');
    assert.equal(down.value, -1);
    assert.deepEqual(ids((await hc.votes.listByArticle(article.id)).result), [up.id]);
    assert.deepEqual(ids((await hc.votes.listByUser(ctx.me.id)).result), [up.id]);
    assert.equal((await hc.votes.show(up.id)).result.value, -1);
    await hc.votes.delete(up.id);
    assert.deepEqual((await hc.votes.listByArticle(article.id)).result, []);
    assert.equal((await hc.articles.show(article.id)).result.vote_count, 0);
  });

  await step('helpcenter anonymous read of public articles (no credentials)', async () => {
    const { article } = made;
    const res = await fetch(base + '/api/v2/help_center/pl/articles/' + article.id + '.json');
    assert.equal(res.status, 200);
    assert.equal((await res.json()).article.id, article.id);
    const write = await fetch(base + '/api/v2/help_center/categories.json', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"category":{"name":"x"}}' });
    assert.equal(write.status, 401);
  });

  await step('helpcenter articles / sections / categories.delete', async () => {
    const { category, section, article } = made;
    await hc.articles.delete(article.id);
    await hc.sections.delete(section.id);
    await hc.categories.delete(category.id);
    assert.ok(!ids(await hc.categories.list()).includes(category.id));
  });
};
