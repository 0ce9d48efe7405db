// SelfCommunity's web client (community-js) sending files in a private
// message: react-uploady's uploader with its chunked sender, configured as
// community-js configures it, and MessageChunkUploader's listeners written
// as plain event handlers (the React hooks only subscribe them: @rpldy/
// chunked-uploady 1.13.0 useChunkStartListener = uploader.on(CHUNK_START)).
// Versions: community-js pins ^1.7.1, its yarn.lock resolves 1.13.0.
//
// Sources, selfcommunity/community-js@0918bfbad504 packages/:
//   react-ui/src/components/PrivateMessageEditor/MessageMediaUploader/index.tsx:32,166-168,191-201
//     ChunkedUploady: destination (upload URL, Bearer header, POST),
//     chunkSize 204800, multiple, chunked, maxConcurrent 2, files < 10 MiB
//   react-ui/src/shared/MessageChunkUploader/index.ts
//     :89-104  item start: no uuid, no part count yet
//     :197-219 chunk start: URL, paramName "file", Bearer header; with more
//              than one part partindex, totalparts, and uuid once known;
//              one part: no fields (a plain upload)
//     :221-227 chunk finish: uuid from the answer, totalparts = index + 1
//     :229-264 request pre-send: non-images keep inputFieldName only
//     :156-188 item finish: done call (uuid, filename, totalparts)
//     :142-154,109-140 then the thumbnail with parentuuid = the first part's
//              answer's file_uuid
//   react-ui/src/utils/thumbnailCoverter.ts:15-25,41-45 a non-PDF
//     document's thumbnail: a PNG placeholder named as the file with
//     ".jpeg" for its extension
//   api-services/src/client/index.ts:61-72,153-156 axios: baseURL, JSON
//     answers, 10 s timeout, JSON Content-Type on POST, Bearer header
//   api-services/src/constants/Endpoints.ts:882-905 the routes
//   react-ui/src/components/PrivateMessageEditor/PrivateMessageEditor.tsx:120-126
//   react-ui/src/components/PrivateMessageThread/PrivateMessageThread.tsx:456-472
//     one message per file: recipients, message "", file_uuid
import createUploader, { UPLOADER_EVENTS } from '@rpldy/uploader';
import getChunkedEnhancer, { CHUNK_EVENTS, CHUNKING_SUPPORT } from '@rpldy/chunked-sender';
import axios from 'axios';
import { makeFile } from './file.mjs';

const MAX_FILE_SIZE = 10485760;
const DOCUMENT = 'application/';
const IMAGE = 'image/';

// A placeholder thumbnail of our own making (the client ships a PNG data
// URL; its pixels do not matter to the protocol, its name and type do).
function documentThumbnail(item) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#4a6';
  ctx.fillRect(8, 8, 48, 48);
  const [head, b64] = canvas.toDataURL('image/png').split(',');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const name = item.file.type.startsWith(DOCUMENT) ? item.file.name.replace(/(\.[^.]+)$/, '.jpeg') : item.name;
  return new File([bytes], name, { type: head.match(/:(.*?);/)[1] });
}

/**
 * selfcommunityUpload sends generated files in private messages to
 * recipients the web client's way, all picked at once. It resolves with,
 * per file, the done, thumbnail and message answers; it rejects with the
 * first failure.
 */
export function selfcommunityUpload({ token, recipients, files, timeoutMs }) {
  const portal = document.location.protocol + '//' + document.location.host;
  const http = axios.create({ baseURL: portal, responseType: 'json', timeout: 10 * 1000 });
  http.defaults.headers.post['Content-Type'] = 'application/json';
  http.defaults.headers.common['Authorization'] = `Bearer ${token}`;
  const uploadUrl = '/api/v2/pm/upload/';
  const picked = files.map((f) => makeFile(f.name, f.type, f.size, f.seed));

  return new Promise((resolve, reject) => {
    const fail = (what, e) => reject(new Error(`${what}: ${e?.response ? `${e.response.status} ${JSON.stringify(e.response.data)}` : e}`));
    const chunks = {}; // chunkStateRef.current.chunks
    const setChunk = (c) => (chunks[c.id] = { ...chunks[c.id], ...c });
    const results = [];

    const uploader = createUploader({
      destination: { url: `${portal}${uploadUrl}`, headers: { Authorization: `Bearer ${token}` }, method: 'POST' },
      multiple: true,
      maxConcurrent: 2,
      fileFilter: (file) => file.size < MAX_FILE_SIZE,
      enhancer: CHUNKING_SUPPORT
        ? getChunkedEnhancer({ chunked: true, chunkSize: 204800, retries: undefined, parallel: undefined, sendWithRangeHeader: undefined })
        : undefined,
    });

    uploader.on(UPLOADER_EVENTS.ITEM_START, (item) => {
      setChunk({ id: item.id, file_uuid: null, completed: 0, file: item.file, totalparts: null });
    });
    uploader.on(CHUNK_EVENTS.CHUNK_START, (data) => {
      const res = {
        url: `${portal}${uploadUrl}`,
        sendOptions: { paramName: 'file', headers: { Authorization: `Bearer ${token}` }, method: 'POST' },
      };
      if (data.totalCount > 1) {
        const params = { partindex: data.chunk.index, totalparts: data.totalCount };
        if (chunks[data.item.id].file_uuid) params.uuid = chunks[data.item.id].file_uuid;
        res.sendOptions.params = params;
      } else {
        setChunk({ id: data.item.id, type: data.sendOptions.paramName });
      }
      return res;
    });
    uploader.on(CHUNK_EVENTS.CHUNK_FINISH, (data) => {
      setChunk({ id: data.item.id, file_uuid: data.uploadData.response.data.file_uuid, totalparts: data.chunk.index + 1 });
    });
    uploader.on(UPLOADER_EVENTS.REQUEST_PRE_SEND, ({ items, options }) => {
      if (items.length && items[0].file.type.startsWith(IMAGE)) {
        return Promise.reject(new Error('image files take the client-side resize path, which this test does not use'));
      }
      return Promise.resolve({ options: { inputFieldName: options.inputFieldName } });
    });
    uploader.on(UPLOADER_EVENTS.ITEM_ERROR, (item) => fail(`part upload of ${item.file.name} failed`, { response: { status: item.uploadStatus, data: item.uploadResponse } }));

    uploader.on(UPLOADER_EVENTS.ITEM_FINISH, async (item) => {
      try {
        const form = new FormData();
        form.append('uuid', chunks[item.id].file_uuid);
        form.append('filename', chunks[item.id].file.name);
        form.append('totalparts', chunks[item.id].totalparts);
        let done;
        try {
          done = await http.request({ url: '/api/v2/pm/upload/?done', method: 'POST', data: form, headers: { 'Content-Type': 'multipart/form-data' } });
        } catch (e) {
          return fail(`done call for ${item.file.name}`, e);
        }
        const thumb = new FormData();
        thumb.append('file', documentThumbnail(item));
        thumb.append('parentuuid', item.uploadResponse.results[0].data.file_uuid);
        let media;
        try {
          media = (await http.request({ url: uploadUrl, method: 'POST', data: thumb, headers: { 'Content-Type': 'multipart/form-data' } })).data;
        } catch (e) {
          return fail(`thumbnail upload for ${item.file.name}`, e);
        }
        results.push({ name: item.file.name, done: done.data, media, parts: chunks[item.id].totalparts });
        if (results.length < picked.length) return;
        // handleMessageSend: one message per file, the text empty.
        for (const r of results) {
          try {
            r.message = (await http.request({ url: '/api/v2/pm/', method: 'POST', data: { recipients, message: '', file_uuid: r.media.file_uuid } })).data;
          } catch (e) {
            return fail(`message with ${r.name}`, e);
          }
        }
        resolve(results);
      } catch (e) {
        fail(`client glue for ${item.file.name}`, e);
      }
    });
    uploader.add(picked, { inputFieldName: 'file' });
  });
}
