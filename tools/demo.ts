// `npm run demo`: a story against the running stack (`npm start`), step by step, with an
// expectation at every step. Exits non-zero if any expectation fails.
import { randomBytes } from 'node:crypto';
import { envReader, readServiceAddress } from '@signalpath/config';
import { common, consent, profile, ranking, signal } from '@signalpath/proto';
import { createConsentClient, createProfileClient, createRankingClient, createSignalClient } from '@signalpath/service-clients';
import { sensitiveClassOfTopic } from '@signalpath/sensitive-topics';
import { operatorCredentials } from './lib/operator';

const CLIMBING = '500';
const env = envReader();
const address = (key: 'consent' | 'signal' | 'profile' | 'ranking') => readServiceAddress(env, key);
env.done();

const auth = operatorCredentials();
const clients = {
  consent: createConsentClient(address('consent'), { timeoutMs: 10_000, ...auth('signalpath.consent.v1.ConsentService') }),
  signal: createSignalClient(address('signal'), { timeoutMs: 10_000, ...auth('signalpath.signal.v1.SignalService') }),
  profile: createProfileClient(address('profile'), { timeoutMs: 10_000, ...auth('signalpath.profile.v1.ProfileService') }),
  ranking: createRankingClient(address('ranking'), { timeoutMs: 10_000, ...auth('signalpath.ranking.v1.RankingService') }),
};

let failures = 0;
let stepNumber = 0;
const step = (title: string) => console.log(`\n${++stepNumber}. ${title}`);
const say = (line: string) => console.log(`   ${line}`);
function expectThat(ok: boolean, what: string): void {
  console.log(`   ${ok ? '✔' : '✘'} ${what}`);
  if (!ok) failures++;
}

const user = `demo-${randomBytes(3).toString('hex')}`;
const MESSENGER = common.Surface.SURFACE_MESSENGER;
const INSTAGRAM = common.Surface.SURFACE_INSTAGRAM;
const WHATSAPP = common.Surface.SURFACE_WHATSAPP;

function interaction(id: string, surface: common.Surface, text: string, e2e = false): signal.Interaction {
  return signal.Interaction.fromPartial({ interactionId: `${user}-${id}`, userId: user, surface, modality: common.Modality.MODALITY_TEXT, text, endToEndEncrypted: e2e, eventTime: new Date() });
}

async function recommend(surface: common.Surface) {
  return clients.ranking.recommend({ userId: user, surface, kind: ranking.ItemKind.ITEM_KIND_UNSPECIFIED, limit: 30 });
}

const isClimbing = (item?: ranking.Item) => item?.topicIds.includes(CLIMBING) ?? false;
const climbingReasons = (items: ranking.RankedItem[]) => items.filter((i) => i.reasons.some((r) => r.topic?.id === CLIMBING));

/** Polls until `check` passes (delivery to the profile is asynchronous) or the time is up. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = await read();
  }
  return value;
}

async function settingsVersion(): Promise<string> {
  // A read-modify-write: the version must be current whichever replica answers.
  return (await clients.consent.getSettings({ userId: user, consistentRead: true })).settings?.version ?? '0';
}

async function update(settings: Partial<consent.Settings>, mask: string[]) {
  return clients.consent.updateSettings({ userId: user, settings: consent.Settings.fromPartial(settings), updateMask: mask, expectedVersion: await settingsVersion() });
}

async function story(): Promise<void> {
  step(`Meet ${user}: an adult in the US who linked Messenger and Instagram in Accounts Center`);
  await update({ region: 'US', ageBand: consent.AgeBand.AGE_BAND_ADULT }, ['region', 'age_band']);
  await clients.consent.linkAccount({ userId: user, surface: MESSENGER, accountId: `${user}-messenger` });
  const linked = await clients.consent.linkAccount({ userId: user, surface: INSTAGRAM, accountId: `${user}-instagram` });
  const effective = linked.settings?.effective;
  say(`AI-chat personalization: ads ${effective?.aiChatAdsEnabled ? 'on' : 'off'}, content ${effective?.aiChatContentEnabled ? 'on' : 'off'}; cross-app sharing ${effective?.crossAppSharingEnabled ? 'on' : 'off'}`);
  expectThat(Boolean(effective?.aiChatAdsEnabled && effective.crossAppSharingEnabled), 'outside the excluded regions, personalization and sharing default to on');

  step('They chat with the assistant on Messenger about rock climbing');
  for (const [id, text] of [
    ['c1', 'I just started rock climbing at an indoor gym and I love it'],
    ['c2', 'Which climbing shoes are good for a beginner boulderer?'],
  ]) {
    const result = await clients.signal.ingestInteraction({ interaction: interaction(id, MESSENGER, text) });
    say(`"${text}" → ${signal.IngestStatus[result.status]}: ${result.signals.map((s) => `${s.topic?.name} (ads ${s.adsEligible ? 'yes' : 'no'})`).join(', ')}`);
    expectThat(result.signals.some((s) => s.topic?.id === CLIMBING), 'the assistant learned the climbing interest');
  }

  const interestsOnMessenger = async () => {
    const read = (purpose: common.Purpose) => clients.profile.getProfile({ userId: user, surface: MESSENGER, purpose, limit: 100 });
    const [ads, content] = await Promise.all([read(common.Purpose.PURPOSE_ADS), read(common.Purpose.PURPOSE_CONTENT)]);
    return [...ads.interests.map((i) => `ads:${i.topic?.id}:${i.score.toFixed(6)}`), ...content.interests.map((i) => `content:${i.topic?.id}:${i.score.toFixed(6)}`)].sort();
  };
  // Everything said so far is delivered (the outbox is empty: progress, not a fixed wait) — with
  // several SignalService replicas, deliveries of one conversation may land in any order.
  await eventually(() => clients.signal.getOutboxStatus({}), (status) => status.pendingCount === '0', 30_000);
  const interestsBefore = await eventually(interestsOnMessenger, (ids) => ids.some((id) => id.startsWith(`content:${CLIMBING}:`)));

  step('…and one sensitive message');
  const sensitiveText = 'Honestly my depression has been rough this month and my therapist says exercise helps';
  const sensitive = await clients.signal.ingestInteraction({ interaction: interaction('s1', MESSENGER, sensitiveText) });
  say(`→ ${signal.IngestStatus[sensitive.status]} ${signal.SkipReason[sensitive.skipReason]}; suppressed: ${sensitive.suppressed.map((s) => common.SensitiveClass[s.sensitiveClass]).join(', ') || 'none'}`);
  expectThat(sensitive.suppressed.some((s) => s.sensitiveClass === common.SensitiveClass.SENSITIVE_CLASS_HEALTH), 'the health content was detected and suppressed');
  expectThat(sensitive.signals.every((s) => !s.adsEligible || s.topic?.tier1 !== 'Medical Health'), 'nothing health-related is ads-eligible');

  step('On Instagram, Recommend shows climbing groups and reels and a climbing-gear ad — and says why');
  const onInstagram = await eventually(() => recommend(INSTAGRAM), (r) => climbingReasons(r.items).length >= 3);
  const climbing = climbingReasons(onInstagram.items);
  for (const kind of [ranking.ItemKind.ITEM_KIND_GROUP, ranking.ItemKind.ITEM_KIND_REEL, ranking.ItemKind.ITEM_KIND_POST, ranking.ItemKind.ITEM_KIND_AD]) {
    const first = climbing.find((i) => i.item?.kind === kind);
    if (first?.item) say(`${ranking.ItemKind[kind].replace('ITEM_KIND_', '').toLowerCase()}: ${first.item.title}`);
  }
  expectThat(onInstagram.personalized, 'the Instagram feed is personalized');
  expectThat(climbing.some((i) => i.item?.kind === ranking.ItemKind.ITEM_KIND_GROUP), 'a climbing group is recommended');
  expectThat(climbing.some((i) => i.item?.kind === ranking.ItemKind.ITEM_KIND_REEL), 'a climbing reel is recommended');
  const ad = climbing.find((i) => i.item?.kind === ranking.ItemKind.ITEM_KIND_AD);
  expectThat(Boolean(ad), 'a climbing-gear ad is recommended');
  if (ad?.item) {
    const why = await clients.ranking.explainItem({ userId: user, itemId: ad.item.itemId, surface: INSTAGRAM });
    say(`Why "${ad.item.title}"? ${why.explanation}`);
    expectThat(why.reasons.some((r) => r.topic?.id === CLIMBING && r.surface === MESSENGER), 'the ad is explained by the Messenger climbing chat');
  }

  step('The sensitive message changed nothing');
  // Anything it had queued is delivered once the outbox is empty (progress, not a fixed wait).
  await eventually(() => clients.signal.getOutboxStatus({}), (status) => status.pendingCount === '0', 30_000);
  const interestsAfter = await interestsOnMessenger();
  const topicsOnly = (ids: string[]) => JSON.stringify(ids.map((x) => x.replace(/:[\d.]+$/, '')));
  expectThat(topicsOnly(interestsAfter) === topicsOnly(interestsBefore), 'the profile has exactly the interests it had before the sensitive message');
  const adsProfile = await clients.profile.getProfile({ userId: user, surface: INSTAGRAM, purpose: common.Purpose.PURPOSE_ADS, limit: 100 });
  const contentProfile = await clients.profile.getProfile({ userId: user, surface: INSTAGRAM, purpose: common.Purpose.PURPOSE_CONTENT, limit: 100 });
  const all = [...adsProfile.interests, ...contentProfile.interests];
  say(`interests: ${[...new Set(all.map((i) => i.topic?.name))].join(', ')}`);
  expectThat(all.every((i) => !sensitiveClassOfTopic(i.topic?.id ?? '')), 'no interest on a sensitive topic in either profile');
  const explanations = await Promise.all(onInstagram.items.slice(0, 10).map((i) => clients.ranking.explainItem({ userId: user, itemId: i.item!.itemId, surface: INSTAGRAM })));
  expectThat(explanations.every((e) => !/depress|therap|health/i.test(e.explanation)), 'no explanation mentions it');

  step('Unlinking Instagram removes the Messenger effect there at once');
  await clients.consent.unlinkAccount({ userId: user, surface: INSTAGRAM });
  const afterUnlink = await recommend(INSTAGRAM);
  expectThat(climbingReasons(afterUnlink.items).length === 0, 'no Instagram item is explained by the Messenger chat any more');
  const onMessenger = await recommend(MESSENGER);
  expectThat(climbingReasons(onMessenger.items).length > 0, 'on Messenger itself the interest is still used');

  step('Blocking the climbing topic in ad preferences removes the ad');
  await update({ adPreferences: { blockedTopicIds: [CLIMBING], blockedAdvertiserIds: [], seeFewerTopicIds: [] } }, ['ad_preferences.blocked_topic_ids']);
  const afterBlock = await recommend(MESSENGER);
  expectThat(!afterBlock.items.some((i) => i.item?.kind === ranking.ItemKind.ITEM_KIND_AD && isClimbing(i.item)), 'no climbing ad any more');
  expectThat(afterBlock.items.some((i) => i.item?.kind !== ranking.ItemKind.ITEM_KIND_AD && isClimbing(i.item)), 'climbing groups and reels stay (the block is for ads)');

  step('"Not interested" in a climbing post hides it and lowers climbing in the feed; undo brings both back');
  const contentScore = async () =>
    (await clients.profile.getProfile({ userId: user, surface: MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 100 })).interests.find((i) => i.topic?.id === CLIMBING)?.score ?? 0;
  const post = afterBlock.items.find((i) => i.item?.kind !== ranking.ItemKind.ITEM_KIND_AD && isClimbing(i.item))?.item;
  const scoreBefore = await contentScore();
  if (post) {
    const marked = await clients.ranking.markNotInterested({ userId: user, itemId: post.itemId });
    say(`not interested in "${post.title}" → lowered: ${marked.loweredTopics.map((t) => t.name).join(', ')}`);
    expectThat(!(await recommend(MESSENGER)).items.some((i) => i.item?.itemId === post.itemId), 'the post is no longer recommended');
    expectThat((await contentScore()) < scoreBefore, 'climbing counts less in the content profile');
    expectThat((await clients.ranking.undoNotInterested({ userId: user, itemId: post.itemId })).undone, 'undo');
    expectThat(Math.abs((await contentScore()) - scoreBefore) <= 1e-3 * scoreBefore, 'climbing counts fully again');
  } else expectThat(false, 'a climbing post to mark');

  step('Deleting one signal takes exactly its contribution out of the profile at once, and the history says so');
  const stored = (await clients.signal.listSignals({ userId: user, pageSize: 1000, pageToken: '' })).signals.filter((s) => s.sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT);
  // One that is not the climbing interest itself if the chats gave one (e.g. shoes), else a climbing one.
  const victim = stored.find((s) => s.topic?.id !== CLIMBING && s.contentEligible) ?? stored.find((s) => s.contentEligible);
  const topicScore = async (topicId: string) =>
    (await clients.profile.getProfile({ userId: user, surface: MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 100 })).interests.find((i) => i.topic?.id === topicId)?.score ?? 0;
  if (victim?.topic) {
    const before = await topicScore(victim.topic.id);
    const deleted = await clients.signal.deleteSignal({ userId: user, signalId: victim.signalId });
    const after = await topicScore(victim.topic.id);
    say(`deleted the "${victim.topic.name}" signal (weight ${victim.weight.toFixed(2)}): ${victim.topic.name} ${before.toFixed(3)} → ${after.toFixed(3)}`);
    // Everything happened seconds ago (half-life 30 days): the score drops by the signal's weight.
    expectThat(deleted.deleted && Math.abs(after - Math.max(0, before - victim.weight)) <= 1e-3 * Math.max(1, before), 'exactly its contribution left the profile on the next read');
    const listedNow = (await clients.signal.listSignals({ userId: user, pageSize: 1000, pageToken: '' })).signals;
    expectThat(!listedNow.some((s) => s.signalId === victim.signalId), 'SignalService no longer lists it');
    expectThat((await clients.signal.deleteSignal({ userId: user, signalId: victim.signalId })).deleted && (await topicScore(victim.topic.id)) === after, 'deleting again changes nothing');
  } else expectThat(false, 'an AI-chat signal to delete');

  step('"This isn\'t me": removing the climbing interest takes it out of the profile at once, and the history says so');
  await clients.profile.removeInterest({ userId: user, topicId: CLIMBING, purpose: common.Purpose.PURPOSE_UNSPECIFIED });
  expectThat((await contentScore()) === 0, 'climbing is gone from the profile on the next read');
  const history = (await clients.profile.listCorrections({ userId: user })).corrections;
  say(`corrections: ${history.map((c) => profile.CorrectionKind[c.kind].replace('CORRECTION_KIND_', '').toLowerCase()).join(', ')}`);
  expectThat(history.length === (post ? 3 : 1) + (victim ? 1 : 0), 'each correction is in the history, newest first');

  step('An end-to-end-encrypted WhatsApp chat teaches nothing');
  const before = (await clients.signal.listSignals({ userId: user, pageSize: 1000, pageToken: '' })).signals.length;
  const e2e = await clients.signal.ingestInteraction({ interaction: interaction('w1', WHATSAPP, 'We should go surfing in Portugal next summer', true) });
  const after = (await clients.signal.listSignals({ userId: user, pageSize: 1000, pageToken: '' })).signals.length;
  say(`→ ${signal.IngestStatus[e2e.status]} ${signal.SkipReason[e2e.skipReason]}`);
  expectThat(e2e.skipReason === signal.SkipReason.SKIP_REASON_END_TO_END_ENCRYPTED && after === before, 'skipped, and no signal stored');

  step('Withdrawing AI-chat consent erases it all');
  await update({ aiChatAds: consent.Choice.CHOICE_OPT_OUT, aiChatContent: consent.Choice.CHOICE_OPT_OUT }, ['ai_chat_ads', 'ai_chat_content']);
  const signalsLeft = await eventually(
    async () => (await clients.signal.listSignals({ userId: user, pageSize: 1000, pageToken: '' })).signals.filter((s) => s.sourceKind === common.SourceKind.SOURCE_KIND_AI_CHAT).length,
    (n) => n === 0,
    30_000,
  );
  expectThat(signalsLeft === 0, 'no AI-chat signal is left');
  const profileLeft = await eventually(
    async () => (await clients.profile.getProfile({ userId: user, surface: MESSENGER, purpose: common.Purpose.PURPOSE_CONTENT, limit: 100 })).interests.length,
    (n) => n === 0,
    30_000,
  );
  expectThat(profileLeft === 0, 'the profile is empty');
  const last = await recommend(MESSENGER);
  expectThat(!last.personalized || climbingReasons(last.items).length === 0, 'recommendations no longer use the chat');
}

story()
  .catch((error: unknown) => {
    failures++;
    console.error(`\n✘ the demo stopped: ${error instanceof Error ? error.message : String(error)} (is the stack running? npm start)`);
  })
  .finally(() => {
    Object.values(clients).forEach((c) => c.close());
    console.log(failures === 0 ? '\nEvery expectation held.' : `\n${failures} expectation(s) failed.`);
    process.exit(failures === 0 ? 0 : 1);
  });
