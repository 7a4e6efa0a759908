// Relay Warden for Haraka: at MAIL FROM, asks the throttle API whether the sender may send, and
// answers DENY (suspended) or DENYSOFT (over its hourly or daily limit: a throttle, or the limits of
// the sender's tier). Answers are cached per
// sender for a few seconds; a slow or unreachable Relay Warden lets mail through (fail open).
'use strict';

let constants;
try {
  constants = require('haraka-constants');
} catch {
  // Outside Haraka (tests): the same values.
  constants = { CONT: 900, DENY: 902, DENYSOFT: 903 };
}

const hourMs = 3600000;
const dayMs = 86400000;

exports.register = function () {
  this.cache = new Map();
  // Messages accepted per sender in the current hour and UTC day, in this Haraka process: the limits
  // is enforced per process (the Postfix policy server shares counts between instances; here,
  // report deliveries with POST /api/v1/events so they count toward the rates).
  this.accepted = new Map();
  this.load_relay_warden_ini();
};

exports.load_relay_warden_ini = function () {
  this.cfg = this.config.get('relay_warden.ini', () => this.load_relay_warden_ini());
  const main = this.cfg.main || {};
  this.settings = {
    url: (main.url || 'http://127.0.0.1:7780').replace(/\/+$/, ''),
    token: main.token || '',
    senderFrom: main.sender_from === 'mail_from' ? 'mail_from' : 'auth_user',
    timeoutMs: Number(main.timeout_ms) || 250,
    cacheMs: (Number(main.cache_seconds) || 10) * 1000,
  };
};

exports.sender_of = function (connection, mailFrom) {
  if (this.settings.senderFrom === 'auth_user') return connection.notes && connection.notes.auth_user;
  const address = mailFrom && typeof mailFrom.address === 'function' ? mailFrom.address() : '';
  return address ? address.toLowerCase() : undefined;
};

exports.policy_of = async function (sender) {
  const cached = this.cache.get(sender);
  if (cached && cached.expires > Date.now()) return cached.policy;
  const response = await fetch(`${this.settings.url}/api/v1/policy/senders/${encodeURIComponent(sender)}`, {
    headers: { authorization: `Bearer ${this.settings.token}` },
    signal: AbortSignal.timeout(this.settings.timeoutMs),
  });
  if (!response.ok) throw new Error(`Relay Warden answered ${response.status}`);
  const policy = await response.json();
  this.cache.set(sender, { policy, expires: Date.now() + this.settings.cacheMs });
  return policy;
};

exports.hook_mail = function (next, connection, params) {
  const sender = this.sender_of(connection, params && params[0]);
  if (!sender) return next();
  this.policy_of(sender).then(
    (policy) => {
      if (policy.action === 'suspend') {
        connection.loginfo(this, `sender ${sender} suspended: ${policy.reason}`);
        return next(constants.DENY, `5.7.1 Sender ${sender} is suspended from sending through this relay`);
      }
      const now = Date.now();
      const count = this.accepted.get(sender);
      const sentThisHour = count && count.hour === Math.floor(now / hourMs) ? count.sent : 0;
      const sentToday = count && count.day === Math.floor(now / dayMs) ? count.sentToday : 0;
      // Limits come with any action but suspend: a throttle's, or those of a new sender's tier.
      if (typeof policy.limitPerHour === 'number' && sentThisHour >= policy.limitPerHour) {
        return next(constants.DENYSOFT, `4.7.1 Sender ${sender} is over its limit of ${policy.limitPerHour} messages per hour; try again later`);
      }
      if (typeof policy.limitPerDay === 'number' && sentToday >= policy.limitPerDay) {
        return next(constants.DENYSOFT, `4.7.1 Sender ${sender} is over its limit of ${policy.limitPerDay} messages per day; try again tomorrow`);
      }
      if (connection.transaction) connection.transaction.notes.relay_warden_sender = sender;
      return next();
    },
    (error) => {
      connection.logerror(this, `Relay Warden not asked for ${sender} (${error.message}); letting the message through`);
      return next();
    },
  );
};

// Counted once the message is queued: rejected or deferred mail does not use up the limit.
exports.hook_queue_ok = function (next, connection) {
  const sender = connection.transaction && connection.transaction.notes.relay_warden_sender;
  if (sender) {
    const now = Date.now();
    const hour = Math.floor(now / hourMs);
    const day = Math.floor(now / dayMs);
    const count = this.accepted.get(sender);
    this.accepted.set(sender, {
      hour,
      day,
      sent: count && count.hour === hour ? count.sent + 1 : 1,
      sentToday: count && count.day === day ? count.sentToday + 1 : 1,
    });
  }
  return next();
};
