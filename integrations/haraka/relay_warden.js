// Relay Warden for Haraka 3.x. At MAIL FROM it asks the policy API whether the sender may send
// now (GET /api/v1/policy/senders/{id}?domain=&client=) and gives the reply the API hands back in
// `refusal`: DENY (5.7.1, suspended) or DENYSOFT (4.7.1, at its hourly or daily limit). Once a
// message is queued it reports it (POST /api/v1/policy/senders/{id}/accepted), so the counts behind
// the limits are shared by every Haraka process and instance, and with the Postfix policy server.
// At RCPT TO it asks whether the recipient is suppressed (POST /api/v1/suppressions/check: it
// complained, bounced or unsubscribed) and refuses it alone with DENY (550 5.7.1).
// A slow or unreachable Relay Warden lets mail through (on_error=accept) or defers it (on_error=defer).
//
// Haraka compiles a plugin file in a VM context of its own (vm.runInNewContext in Haraka's
// plugins.js): only the globals it hands in exist there (require, fetch, timers, Buffer, process,
// the return codes), not AbortSignal or URL. Requests go through node:http with a timer of ours.
'use strict';

const http = require('node:http');
const https = require('node:https');
const { isIP } = require('node:net');
const { URL } = require('node:url');
const constants = require('haraka-constants');

/** Answers without limits (a suspension, an unlimited sender) are reused; at most this many. */
const maxCachedAnswers = 10000;

exports.register = function () {
  this.cache = new Map();
  this.load_relay_warden_ini();
};

exports.load_relay_warden_ini = function () {
  this.cfg = this.config.get('relay_warden.ini', { booleans: ['+main.record_send_events', '+main.check_recipients'] }, () => this.load_relay_warden_ini());
  const main = this.cfg.main || {};
  const url = (main.url || 'http://127.0.0.1:7780').replace(/\/+$/, '');
  const transport = url.startsWith('https:') ? https : http;
  if (this.agent) this.agent.destroy();
  // One kept-alive connection per request in flight, reused: no TCP handshake per message.
  this.agent = new transport.Agent({ keepAlive: true });
  this.settings = {
    url,
    transport,
    token: main.token || '',
    senderFrom: main.sender_from === 'mail_from' ? 'mail_from' : 'auth_user',
    timeoutMs: Number(main.timeout_ms) || 250,
    cacheMs: (Number(main.cache_seconds) || 0) * 1000,
    onError: main.on_error === 'defer' ? 'defer' : 'accept',
    recordSendEvents: main.record_send_events !== false,
    checkRecipients: main.check_recipients !== false,
  };
  this.cache.clear();
};

exports.shutdown = function () {
  if (this.agent) this.agent.destroy();
};

// @haraka/email-address 3.x has `address` and `host` as strings; the address-rfc2821 objects of
// Haraka 2.x, and 3.x's legacy wrapper (asLegacy), make them callable. Either way, the string.
function fieldOf(address, name) {
  if (!address) return '';
  const value = address[name];
  return String((typeof value === 'function' ? address[name]() : value) || '');
}

exports.sender_of = function (connection, mailFrom) {
  if (this.settings.senderFrom === 'auth_user') return (connection.notes && connection.notes.auth_user) || undefined;
  const address = fieldOf(mailFrom, 'address');
  return address ? address.toLowerCase() : undefined;
};

/** One request to Relay Warden: resolves with the parsed 200 answer, rejects on anything else or past timeout_ms. */
exports.request = function (method, path, body) {
  const { url, transport, token, timeoutMs } = this.settings;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const request = transport.request(new URL(url + path), { method, headers, agent: this.agent }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        if (response.statusCode !== 200) return reject(Object.assign(new Error(`Relay Warden answered ${response.statusCode}`), { status: response.statusCode }));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(error) {
      clearTimeout(timer);
      reject(error);
    }
    request.on('error', fail);
    request.end(payload);
  });
};

exports.policy_of = async function (sender, domain, client) {
  const key = `${sender}\n${domain}\n${client}`;
  const cached = this.cache.get(key);
  if (cached && cached.expires > Date.now()) return cached.policy;
  const query = [];
  if (domain) query.push(`domain=${encodeURIComponent(domain)}`);
  if (client) query.push(`client=${encodeURIComponent(client)}`);
  const policy = await this.request('GET', `/api/v1/policy/senders/${encodeURIComponent(sender)}${query.length ? `?${query.join('&')}` : ''}`);
  // An answer with limits is judged on the shared counts, which every message changes: asked anew.
  if (this.settings.cacheMs > 0 && policy.limitPerHour === undefined && policy.limitPerDay === undefined) {
    if (this.cache.size >= maxCachedAnswers) this.cache.clear();
    this.cache.set(key, { policy, expires: Date.now() + this.settings.cacheMs });
  }
  return policy;
};

/**
 * Relay Warden did not answer: on_error=accept lets the message (or recipient) through, on_error=defer
 * defers it, as Postfix's smtpd_policy_service_default_action does: RFC 3463 X.3.5, system incorrectly configured.
 */
exports.unanswered = function (next, connection, error, { asked, what, service }) {
  if (this.settings.onError === 'defer') {
    connection.logerror(this, `Relay Warden not asked ${asked} (${error.message}); deferring ${what} (on_error=defer)`);
    return next(constants.denysoft, `4.3.5 ${service} policy service unavailable; try again later`);
  }
  connection.logerror(this, `Relay Warden not asked ${asked} (${error.message}); letting ${what} through (on_error=accept)`);
  return next();
};

exports.hook_mail = function (next, connection, params) {
  const mailFrom = params && params[0];
  const sender = this.sender_of(connection, mailFrom);
  if (!sender) return next();
  const domain = fieldOf(mailFrom, 'host').toLowerCase() || undefined;
  const client = connection.remote && isIP(connection.remote.ip || '') ? connection.remote.ip : undefined;
  // Reported once queued, whatever the answer now: a message let through unasked counts too.
  if (connection.transaction) connection.transaction.notes.relay_warden = { sender, domain };
  this.policy_of(sender, domain, client).then(
    (policy) => {
      const refusal = policy.refusal;
      if (!refusal) return next();
      connection.loginfo(this, `sender ${sender} refused (${policy.action}): ${policy.reason}`);
      return next(refusal.action === 'reject' ? constants.deny : constants.denysoft, `${refusal.status} ${refusal.text}`);
    },
    (error) => this.unanswered(next, connection, error, { asked: `for ${sender}`, what: 'the message', service: 'Sender' }),
  );
};

// Each recipient alone, so a suppressed one is refused and the message goes to the others.
exports.hook_rcpt = function (next, connection, params) {
  const recipient = fieldOf(params && params[0], 'address');
  if (!this.settings.checkRecipients || !recipient) return next();
  const asked = connection.transaction && connection.transaction.notes.relay_warden;
  const body = { recipients: [recipient] };
  if (asked) {
    body.sender = asked.sender;
    if (asked.domain) body.senderDomain = asked.domain;
  }
  this.request('POST', '/api/v1/suppressions/check', body).then(
    (answer) => {
      const checked = answer.recipients && answer.recipients[0];
      if (!checked || !checked.suppressed) return next();
      // The reason, not the address: Haraka's log names the recipient already.
      connection.loginfo(this, `recipient refused: suppressed (${checked.reason}, ${checked.scope} scope)`);
      return next(constants.deny, `${answer.refusal.status} ${answer.refusal.text}`);
    },
    (error) => {
      // 409: suppression is off on the server (no suppression.key): nothing to check, not a failure.
      if (error.status === 409) return next();
      return this.unanswered(next, connection, error, { asked: 'about a recipient', what: 'it', service: 'Recipient' });
    },
  );
};

exports.send_event_of = function (connection, transaction, sender, domain) {
  const header = transaction.header ? String(transaction.header.get('Message-ID') || '').trim() : '';
  const recipientDomains = new Set(transaction.rcpt_to.map((recipient) => fieldOf(recipient, 'host').toLowerCase()));
  const event = { messageId: header ? header.replace(/^<|>$/g, '') : `haraka:${transaction.uuid}` };
  if (domain) event.senderDomain = domain;
  // Like the Postfix policy server: the recipient domain is known when the message has one.
  if (recipientDomains.size === 1) event.recipientDomain = [...recipientDomains][0] || undefined;
  if (connection.local && isIP(connection.local.ip || '')) event.ip = connection.local.ip;
  if (connection.remote && isIP(connection.remote.ip || '')) event.clientAddress = connection.remote.ip;
  if (connection.notes && connection.notes.auth_user) event.saslUsername = connection.notes.auth_user;
  return event;
};

// Reported once the message is queued, before the client hears 250: refused or deferred mail does
// not use up the limit, and the next message of the sender is judged with this one counted.
exports.hook_queue_ok = function (next, connection) {
  const transaction = connection.transaction;
  const asked = transaction && transaction.notes.relay_warden;
  if (!asked) return next();
  const body = this.settings.recordSendEvents ? { sendEvent: this.send_event_of(connection, transaction, asked.sender, asked.domain) } : {};
  this.request('POST', `/api/v1/policy/senders/${encodeURIComponent(asked.sender)}/accepted`, body).then(
    () => next(),
    (error) => {
      connection.logerror(this, `message from ${asked.sender} not reported to Relay Warden (${error.message}); it does not count toward its limits`);
      next();
    },
  );
};
