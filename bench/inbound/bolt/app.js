// The reference upward's inbound benchmark compares against: a minimal Bolt-JS app that
// verifies Slack's signature itself and answers the same slash command, as a Bolt user
// would write it. It stores nothing; upward stores every command durably before its ack.
const { App } = require('@slack/bolt');

const app = new App({
  token: 'xoxb-bench-token',
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  tokenVerificationEnabled: false,
  processBeforeResponse: false,
});

app.command('/mentoring', async ({ command, ack }) => {
  await ack(`Got it, <@${command.user_id}>.`);
});

(async () => {
  await app.start(Number(process.env.PORT));
  console.log('ready');
})();
