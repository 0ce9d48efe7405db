// recorder keeps, for the test report, every request the page makes
// through XMLHttpRequest (resumable.js, react-uploady's sender, axios) or
// fetch, with its answer: method, URL, headers the page set (Authorization
// redacted), the form fields (file parts as name, file name, size, type)
// and the status and first 2,000 characters of the answer. It only
// observes: each wrapped method calls the original unchanged.

export const requests = [];

const redact = (name, value) => (/^authorization$/i.test(name) ? String(value).replace(/\s\S+$/, ' [REDACTED]') : value);

function describeBody(body) {
  if (body == null) return null;
  if (typeof body === 'string') return body.length > 2000 ? body.slice(0, 2000) + '…' : body;
  if (body instanceof FormData) {
    const fields = [];
    for (const [k, v] of body) {
      fields.push(typeof v === 'string' ? [k, v] : [k, { filename: v.name, size: v.size, type: v.type }]);
    }
    return { form: fields };
  }
  if (body instanceof Blob) return { blob: body.size, type: body.type };
  return String(body);
}

const open = XMLHttpRequest.prototype.open;
const setRequestHeader = XMLHttpRequest.prototype.setRequestHeader;
const send = XMLHttpRequest.prototype.send;

XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  this.__rec = { via: 'xhr', method, url: String(url), headers: {} };
  return open.call(this, method, url, ...rest);
};
XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
  if (this.__rec) this.__rec.headers[name] = redact(name, value);
  return setRequestHeader.call(this, name, value);
};
XMLHttpRequest.prototype.send = function (body) {
  const rec = this.__rec;
  if (rec) {
    rec.body = describeBody(body);
    requests.push(rec);
    this.addEventListener('loadend', () => {
      rec.status = this.status;
      let text = '';
      try {
        text = this.responseType === '' || this.responseType === 'text' ? this.responseText : JSON.stringify(this.response);
      } catch (e) {
        text = `(unreadable: ${e})`;
      }
      rec.answer = text && text.length > 2000 ? text.slice(0, 2000) + '…' : text;
    });
  }
  return send.call(this, body);
};

const origFetch = window.fetch;
window.fetch = async function (input, init = {}) {
  const headers = {};
  for (const [k, v] of Object.entries(init.headers || {})) headers[k] = redact(k, v);
  const rec = { via: 'fetch', method: init.method || 'GET', url: String(input), headers, body: describeBody(init.body) };
  requests.push(rec);
  const res = await origFetch.call(this, input, init);
  rec.status = res.status;
  const text = await res.clone().text().catch((e) => `(unreadable: ${e})`);
  rec.answer = text.length > 2000 ? text.slice(0, 2000) + '…' : text;
  return res;
};
