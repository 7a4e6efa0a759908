// Shows why the last login failed. The reason is a code from the server's redirect, looked up in
// this fixed list: nothing from the URL is ever shown as is.
const messages = {
  invalid: 'That is not the dashboard password or an ops API token.',
  throttled: 'Too many failed logins from this address: wait a few minutes and try again.',
  origin: 'The login form was sent from another site; open the dashboard directly and log in again.',
  unconfigured: 'No way to log in is configured: set dashboard.password or an ops token in auth.tokens.',
  expired: 'Your session has ended: log in again.',
};

const code = new URLSearchParams(window.location.search).get('error');
const box = document.getElementById('login-error');
if (code && Object.hasOwn(messages, code)) {
  box.textContent = messages[code];
  box.hidden = false;
}
