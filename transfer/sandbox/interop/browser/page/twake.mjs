// Twake's web client upload, as its code does it, with resumable.js 1.1.0
// (the library Twake's frontend vendors: twake/frontend/src/app/features/
// files/utils/resumable.js is npm resumablejs 1.1.0 but for its export
// wrapper and "==" written "===" in string comparisons).
//
// Sources, linagora/Twake@39f533e5e838 twake/frontend/src/app/features/:
//   files/services/file-upload-service.ts:80-144  init call, then one
//     Resumable per file, addFile, upload on fileAdded, fileSuccess parses
//     the answer's "resource", fileError cancels
//   files/services/file-upload-service.ts:211-237 getResumableInstance
//   files/api/file-upload-api-client.ts:32-38,46-62 the init route (query
//     written unencoded, as the client writes it) and the chunk target
//   global/framework/api-service.ts:104-178 Api.post: body JSON.stringify(undefined)
//   global/framework/requests-api-service.ts:20-30 fetch: Accept JSON, no
//     Content-Type when there is no data, body '{}', the JWT header
import Resumable from 'resumablejs';
import { makeFile } from './file.mjs';

const prefixUrl = '/internal/services/files/v1';

// getResumableInstance, with the web client's defaults.
function getResumableInstance({ target, headers, chunkSize, testChunks, simultaneousUploads, maxChunkRetries, query }) {
  return new Resumable({
    target,
    headers,
    chunkSize: chunkSize || 50000000,
    testChunks: testChunks || false,
    simultaneousUploads: simultaneousUploads || 5,
    maxChunkRetries: maxChunkRetries || 2,
    query,
  });
}

/**
 * twakeUpload uploads one generated file the web client's way to apiRoot
 * (default: the page's origin) and resolves
 * with the init answer's resource and the last chunk's resource; it
 * rejects with the answer when a step fails.
 */
export async function twakeUpload({ apiRoot, companyId, authorization, name, type, size, seed }) {
  // Globals.api_root_url: the page's own origin when self-hosted
  // (environment.ts.dist:5), a configured URL otherwise (:15).
  apiRoot = apiRoot || document.location.protocol + '//' + document.location.host;
  const file = makeFile(name, type, size, seed);
  const route = `${prefixUrl}/companies/${companyId}/files`;

  // First we create the file object (FileUploadAPIClient.upload → Api.post → Requests.request).
  const res = await fetch(new URL(`${route}?filename=${file.name}&type=${file.type}&total_size=${file.size}`, apiRoot).toString(), {
    credentials: 'same-origin',
    method: 'post',
    headers: { Accept: 'application/json', Authorization: authorization },
    body: '{}',
  });
  const text = await res.text();
  let response;
  try {
    response = JSON.parse(text);
  } catch {
    response = { errors: 'bad_json' };
  }
  const resource = response?.resource;
  if (!resource) {
    throw new Error(`A server error occured (the web client stops here): init answered ${res.status} ${text}`);
  }

  // Then we overwrite the file object with resumable.
  const resumable = getResumableInstance({
    target: apiRoot + `${route}/${resource.id}`, // getRoute({fullApiRouteUrl: true}) = Api.route(route)
    query: { thumbnail_sync: 1 },
    headers: { Authorization: authorization },
  });
  return new Promise((resolve, reject) => {
    resumable.addFile(file);
    resumable.on('fileAdded', () => resumable.upload());
    resumable.on('fileSuccess', (_f, message) => {
      try {
        resolve({ init: resource, final: JSON.parse(message).resource });
      } catch (e) {
        reject(new Error(`fileSuccess with an answer the web client cannot read (${e}): ${message}`));
      }
    });
    resumable.on('fileError', (_f, message) => {
      resumable.cancel();
      reject(new Error(`fileError (the web client marks the file failed): ${message}`));
    });
  });
}
