// SelfCommunity's web client (community-js) sending files in private
// messages: react-uploady's chunked sender configured as community-js
// configures it, with MessageChunkUploader's listeners (page/
// selfcommunity.mjs), in headless Chromium against ferry sandbox. Each file
// must be stored byte for byte as /<file_uuid>/<name>, its thumbnail under
// its own uuid naming the file as parent, and the message must carry it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../lib/sandbox.mjs';
import { openBrowser } from '../lib/browser.mjs';
import { sha256Of } from '../lib/expect.mjs';
import { modes } from '../lib/modes.mjs';

const partSize = 204_800; // MessageMediaUploader/index.tsx:197
const bob = 12;

// One part (sent as a plain upload), an exact multiple of the part size,
// and ten parts with a short last one; all under the client's 10 MiB limit.
// Picked together, as a user picks several files: two upload at a time.
const files = [
  { name: 'notes.zip', type: 'application/zip', size: 50_000, seed: 21 },
  { name: 'exact two parts.zip', type: 'application/zip', size: 2 * partSize, seed: 22 },
  { name: 'slides.odp', type: 'application/vnd.oasis.opendocument.presentation', size: 2_000_000, seed: 23 },
];

for (const mode of modes) {
  describe(`SelfCommunity web client (react-uploady chunked sender) → ${mode.label}`, () => {
    let sb;
    let br;
    let page;
    before(async () => {
      sb = await startSandbox(mode.args);
      br = await openBrowser();
      page = await br.open(sb.base);
    }, { timeout: 60_000 });
    after(async () => {
      await br?.close();
      await sb?.stop();
    }, { timeout: 30_000 });

    it('sends three files in messages, each stored byte-identical with its thumbnail', { timeout: 60_000 }, async () => {
      const results = await page.run(
        'selfcommunityUpload',
        { token: sb.cred('selfcommunity', 'token', 'alice'), recipients: [bob], files },
        45_000,
      );
      const requests = await page.page.evaluate(() => window.interop.requests);
      const tree = await sb.tree('selfcommunity');
      for (const f of files) {
        const r = results.find((x) => x.name === f.name);
        assert.ok(r, `no result for ${f.name}`);
        const parts = Math.ceil(f.size / partSize);
        assert.equal(r.parts, parts, `${f.name}: parts the library sent`);

        // What the library put on the wire: one plain upload, or parts
        // 0..n-1 with totalparts and, from the second on, the uuid.
        const sent = requests.filter(
          (q) => q.url.endsWith('/api/v2/pm/upload/') && q.body?.form?.some(([k, v]) => k === 'file' && v.filename === f.name),
        );
        assert.equal(sent.length, parts, `${f.name}: part requests`);
        sent.forEach((q, i) => {
          const fields = Object.fromEntries(q.body.form.filter(([k]) => k !== 'file'));
          const want = parts === 1 ? {} : { partindex: String(i), totalparts: String(parts), ...(i > 0 ? { uuid: r.done.file_uuid } : {}) };
          assert.deepEqual(fields, want, `${f.name}: fields of part ${i}`);
        });

        const node = tree.find((e) => e.path === `/${r.done.file_uuid}/${f.name}`);
        assert.ok(node, `${f.name}: not stored at /${r.done.file_uuid}/${f.name}: ${JSON.stringify(tree.map((e) => e.path))}`);
        assert.equal(node.kind, 'file');
        assert.equal(node.size, f.size, `${f.name}: stored size`);
        assert.equal(node.sha256, sha256Of(f.size, f.seed), `${f.name}: stored bytes (SHA-256)`);

        const thumbName = f.name.replace(/(\.[^.]+)$/, '.jpeg');
        const thumb = tree.find((e) => e.path === `/${r.media.file_uuid}/${thumbName}`);
        assert.ok(thumb, `${f.name}: thumbnail not stored at /${r.media.file_uuid}/${thumbName}`);
        assert.equal(thumb.meta?.parent_uuid, r.done.file_uuid, `${f.name}: thumbnail's parent`);
        assert.equal(thumb.meta?.sent_to, `users:${bob}`, `${f.name}: message recipients`);
        // The client reads the answer as a list of messages
        // (PrivateMessageThread.tsx:474-476: res.data.length, res.data[0]).
        assert.ok(Array.isArray(r.message), `${f.name}: Send a Message answered ${JSON.stringify(r.message)}, not a list`);
        assert.equal(r.message[0]?.file?.uuid, r.media.file_uuid, `${f.name}: the message carries the file`);
      }
    });
  });
}
