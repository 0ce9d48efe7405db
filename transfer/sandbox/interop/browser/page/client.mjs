// The test page's script: the recorder first (so it sees every request),
// then the two clients' glue, exposed as window.interop.
import { requests } from './recorder.mjs';
import { twakeUpload } from './twake.mjs';
import { selfcommunityUpload } from './selfcommunity.mjs';

window.interop = { requests, twakeUpload, selfcommunityUpload };
