// The reference upward's inbound benchmark compares against: a minimal Bolt-JS app that
// verifies Slack's signature itself and answers the same slash command, as a Bolt user
// would write it. It stores nothing; upward stores every command durably before its ack.
const { App } = require('@slack/bolt');

// botId and botUserId are given, and token verification is off, so Bolt answers from
// here without asking Slack (auth.test) who it is: this machine cannot reach Slack.
const app = new App({
  token: 'xoxb-bench-token',
  botId: 'B0BOT',
  botUserId: 'U0BOT',
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  tokenVerificationEnabled: false,
  processBeforeResponse: false,
  endpoints: ['/slack/events', '/slack/commands'],
});

app.command('/mentoring', async ({ command, ack }) => {
  await ack(`Got it, <@${command.user_id}>.`);
});

(async () => {
  await app.start(Number(process.env.PORT));
  console.log('ready');
})();
